import { OutgoingMessage, ServerResponse } from "node:http";

/** The four calls through which a response's head and body leave. */
export type Method = "writeHead" | "write" | "end" | "flushHeaders";

/** What the prototype hooks ask of the gate that intercepts one response (see response-gate.ts). */
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
  /** The interceptor installed before this one on the same response; calls go on to it. */
  readonly inner: Interceptor | undefined;
}

type AnyFn = (this: ServerResponse, ...args: unknown[]) => unknown;

// Why hooks on the prototype and one symbol property, not the methods as own properties of each
// response: Express (and anything else that calls Object.setPrototypeOf on the response) leaves the
// object on a map whose property additions V8 does not cache, so every property added per request
// costs ~2.5 us and garbage; the gate and its held view used to add eleven (measured: +107 us per
// Express request). A WeakMap instead of the property costs more in garbage collection than it saves
// (short-lived keys make every scavenge walk the ephemeron table). These hooks are installed once,
// when this module loads, so a middleware mounted before sqlscope that wraps res.end captures them
// too; on a response without a gate they are one property miss and the native call.
const GATE = Symbol("sqlscope.responseGate");
type Gated = ServerResponse & { [GATE]?: Interceptor };

const proto = ServerResponse.prototype as unknown as Record<string, AnyFn>;
const native: Record<Method | "setHeader" | "appendHeader" | "removeHeader", AnyFn> = {
  writeHead: proto.writeHead as AnyFn,
  write: proto.write as AnyFn,
  end: proto.end as AnyFn,
  flushHeaders: proto.flushHeaders as AnyFn,
  setHeader: proto.setHeader as AnyFn,
  appendHeader: proto.appendHeader as AnyFn,
  removeHeader: proto.removeHeader as AnyFn,
};
const nativeHeadersSent = getter("headersSent");
const nativeWritableEnded = getter("writableEnded");
const nativeWritableNeedDrain = getter("writableNeedDrain");

function getter(name: string): (this: unknown) => unknown {
  const get = Object.getOwnPropertyDescriptor(OutgoingMessage.prototype, name)?.get;
  if (get === undefined) throw new Error(`node:http OutgoingMessage has no ${name} getter; this Node version is not supported.`);
  return get;
}

/**
 * Makes `gate` intercept writeHead/write/end/flushHeaders of `res` from now on. Returns the gate that
 * intercepted before (a second registry's scope on the same response), to which calls go on.
 */
export function intercept(res: ServerResponse, gate: Interceptor): Interceptor | undefined {
  requireServerResponse(res);
  const r = res as Gated;
  const inner = r[GATE];
  r[GATE] = gate;
  return inner;
}

/** The gate intercepting `res`, if any. */
export function interceptorOf(res: ServerResponse): Interceptor | undefined {
  return (res as Gated)[GATE];
}

/** Throws a TypeError that says what is supported when `res` is not a node:http response. */
export function requireServerResponse(res: unknown): asserts res is ServerResponse {
  if (!(res instanceof ServerResponse)) {
    const name = (res as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof res;
    throw new TypeError(
      `sqlscope's node:http adapter needs a node:http ServerResponse (HTTP/1.1), got ${name}. ` +
        "For HTTP/2 or another server, use an adapter that settles after the handler (Koa, Hono, Fastify) or runInScope().",
    );
  }
}

/** Passes a call on to the gate installed before `gate`, or to Node. */
export function callInner(gate: Interceptor, method: Method, self: ServerResponse, args: unknown[]): unknown {
  const inner = gate.inner;
  if (inner === undefined) return (native[method] as AnyFn).apply(self, args);
  switch (method) {
    case "writeHead":
      return inner.onWriteHead(self, args);
    case "write":
      return inner.onWrite(self, args);
    case "end":
      return inner.onEnd(self, args);
    case "flushHeaders":
      return inner.onFlushHeaders(self, args);
  }
}

// How many gates in this process hold a head or an end right now. While none does, which is always so
// with a driver that commits synchronously, the held view needs no lookup on the response at all.
let holding = 0;

/** @internal a gate started (+1) or stopped (-1) holding. */
export function countHold(delta: 1 | -1): void {
  holding += delta;
}

/** @internal how many responses are held right now (for tests: back to 0 once every response settled). */
export function heldResponses(): number {
  return holding;
}

/** The gate that holds this response's head or end right now, if any. */
function holder(res: Gated): Interceptor | undefined {
  if (holding === 0) return undefined;
  for (let gate = res[GATE]; gate !== undefined; gate = gate.inner) if (gate.holding) return gate;
  return undefined;
}

function headersAlreadySent(): never {
  // Same error Node throws once the head left: frameworks test for this code.
  throw Object.assign(new Error("Cannot set headers after they are sent to the client"), { code: "ERR_HTTP_HEADERS_SENT" });
}

proto.writeHead = function (this: ServerResponse, ...args: unknown[]) {
  const gate = (this as Gated)[GATE];
  return gate === undefined ? (native.writeHead as AnyFn).apply(this, args) : gate.onWriteHead(this, args);
};
proto.write = function (this: ServerResponse, ...args: unknown[]) {
  const gate = (this as Gated)[GATE];
  return gate === undefined ? (native.write as AnyFn).apply(this, args) : gate.onWrite(this, args);
};
proto.end = function (this: ServerResponse, ...args: unknown[]) {
  const gate = (this as Gated)[GATE];
  return gate === undefined ? (native.end as AnyFn).apply(this, args) : gate.onEnd(this, args);
};
proto.flushHeaders = function (this: ServerResponse, ...args: unknown[]) {
  const gate = (this as Gated)[GATE];
  return gate === undefined ? (native.flushHeaders as AnyFn).apply(this, args) : gate.onFlushHeaders(this, args);
};

// The held view: while a gate holds the head, the response looks as if the head had left
// (headersSent true, header changes throw ERR_HTTP_HEADERS_SENT), and writableEnded /
// writableNeedDrain tell what the handler did. Outside a hold everything is native.
proto.setHeader = function (this: ServerResponse, ...args: unknown[]) {
  if (holder(this) !== undefined) headersAlreadySent();
  return (native.setHeader as AnyFn).apply(this, args);
};
proto.appendHeader = function (this: ServerResponse, ...args: unknown[]) {
  if (holder(this) !== undefined) headersAlreadySent();
  return (native.appendHeader as AnyFn).apply(this, args);
};
proto.removeHeader = function (this: ServerResponse, ...args: unknown[]) {
  if (holder(this) !== undefined) headersAlreadySent();
  return (native.removeHeader as AnyFn).apply(this, args);
};
Object.defineProperties(ServerResponse.prototype, {
  headersSent: {
    configurable: true,
    get(this: ServerResponse) {
      return holder(this) !== undefined ? true : nativeHeadersSent.call(this);
    },
  },
  writableEnded: {
    configurable: true,
    get(this: ServerResponse) {
      const gate = holder(this);
      return gate !== undefined ? gate.endCalled : nativeWritableEnded.call(this);
    },
  },
  writableNeedDrain: {
    configurable: true,
    get(this: ServerResponse) {
      const gate = holder(this);
      return gate !== undefined ? gate.owesDrain : nativeWritableNeedDrain.call(this);
    },
  },
});
