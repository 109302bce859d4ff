import type { IncomingMessage, ServerResponse } from "node:http";
import type { Scope } from "@sqlscope/core/adapter";

// What every copy of @sqlscope/node-http with the same PROTOCOL agrees on. The first copy loaded in a
// process builds the hooks (hooks.ts) and leaves them on globalThis under a versioned Symbol.for key;
// later copies use those instead of installing a second layer, so their gates meet on one response.
// Changing any shape below in a way an older copy would misread means a new PROTOCOL: then the copies
// install separate layers (each with its own symbols) that chain through each other instead.
export const PROTOCOL = 1;

/** The four calls through which a response's head and body leave. */
export type Method = "writeHead" | "write" | "end" | "flushHeaders";
export type HeaderMethod = "setHeader" | "appendHeader" | "removeHeader";
export type ViewGetter = "headersSent" | "writableEnded" | "writableNeedDrain";

export type AnyFn = (this: unknown, ...args: unknown[]) => unknown;

/** What was there before the hooks (Node's own, or a wrapper installed earlier): where calls go on. */
export interface BaseCalls {
  readonly methods: Readonly<Record<Method | HeaderMethod, AnyFn>>;
  readonly getters: Readonly<Record<ViewGetter, (this: unknown) => unknown>>;
}

/** What the hooks ask of the gate that intercepts one response (see ../response-gate.ts). */
export interface Interceptor {
  onWriteHead(self: ServerResponse, args: unknown[]): unknown;
  onWrite(self: ServerResponse, args: unknown[]): unknown;
  onEnd(self: ServerResponse, args: unknown[]): unknown;
  onFlushHeaders(self: ServerResponse, args: unknown[]): unknown;
  /** The head (or the end) is held back: the response must look as if the head had left. */
  readonly holding: boolean;
  readonly endCalled: boolean;
  /** A held write() returned false: somebody may wait for 'drain'. */
  readonly owesDrain: boolean;
  /** The interceptor installed before this one on the same response (another SQLScope's); calls go on to it. */
  readonly inner: Interceptor | undefined;
  /** Where the innermost interceptor's calls go: the same for every gate of one response. */
  readonly base: BaseCalls;
}

/** Prototypes a framework moves every request and response onto (Express's), hooked once. */
export interface HookedPrototypes {
  readonly response: object;
  readonly request: object;
  /** @internal what the response hooks installed on `response` call when a response has no gate. */
  readonly responseBase: BaseCalls;
}

/** The hooks of one protocol version, shared by every copy of the package that speaks it. */
export interface Hooks {
  readonly protocol: number;
  /**
   * Installs the response and request hooks once on prototypes that responses and requests are moved
   * onto (Express's own `res` and `req` objects), so each request adds nothing but what it uses.
   */
  hookPrototypes(response: object, request: object): HookedPrototypes;
  /**
   * Makes `gate` intercept `res` from now on. A response on hooked prototypes gets one symbol
   * property; any other gets own methods (node:http never moves a response to another prototype, so
   * they cost what a constructor's own fields cost). Returns the gate before (another SQLScope's) and
   * where calls go on.
   */
  intercept(
    res: ServerResponse,
    gate: Interceptor,
    base: BaseCalls | undefined,
  ): { inner: Interceptor | undefined; base: BaseCalls };
  /** The gate intercepting `res`, if any. */
  interceptorOf(res: ServerResponse): Interceptor | undefined;
  /** A gate of `res` starts holding: the held view must be in place (own getters on a plain response). */
  holdStarted(res: ServerResponse): void;
  /** A gate stopped holding. */
  holdEnded(): void;
  /** How many responses are held right now, in this process (0 again once every response settled). */
  heldResponses(): number;
  /** Listeners of this plain node:http request run inside `scope` (body parsers resume next() from them). */
  bindRequest(req: IncomingMessage, scope: Scope): void;
}
