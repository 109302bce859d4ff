import type { ServerResponse } from "node:http";
import { hooks as hooksRegistry } from "./hooks/hooks.ts";
import type { AnyFn, BaseCalls, Interceptor, Method } from "./hooks/protocol.ts";

/** How a held response ends: replay what the handler wrote, or replace it because the scope failed. */
export type Verdict = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

export interface GateHooks {
  /**
   * The head is about to leave with `status`. A promise holds the head and every later write until it
   * settles; undefined lets the head through now, synchronously.
   */
  head(status: number): Promise<Verdict> | undefined;
  /** end() of a response whose head was let through: a promise holds the end until it settles. */
  end(status: number): Promise<Verdict> | undefined;
  /** The held head failed: write the replacement (the response passes through while this runs). */
  replace(error: unknown): Promise<void>;
  /** The held end failed, or replaying threw: the response was destroyed; report why. */
  lost(error: unknown): void;
}

type State = "open" | "holding" | "streaming" | "holding-end" | "replacing" | "dropping" | "done";

interface Call {
  readonly method: Method;
  readonly args: unknown[];
}

/**
 * Intercepts writeHead/write/end/flushHeaders of ONE response (see hooks/hooks.ts for how: hooks on
 * the framework's own prototypes, or own methods on a plain node:http response) so that the head and
 * body can wait while the scope commits. Wrappers others install on the response (compression, ...)
 * stay intact: once done, the gate passes every call through.
 */
export class ResponseGate implements Interceptor {
  private state: State = "open";
  private queue: Call[] = [];
  private status = 200;
  private _endCalled = false;
  /** A held write() returned false: somebody may be waiting for 'drain'. */
  private _owesDrain = false;
  private readonly res: ServerResponse;
  private readonly hooks: GateHooks;
  /** @internal the gate of another scope that intercepted this response first. */
  readonly inner: Interceptor | undefined;
  /** @internal where the calls go once they pass this gate and every inner one. */
  readonly base: BaseCalls;

  /**
   * `headLeft`: the head already went out (the gate was installed late), so only the end can be held,
   * and a failed commit can only cut the response. `base`: what the hooks of hooked prototypes call
   * (from hookPrototypes()); without it the response gets own methods.
   */
  constructor(res: ServerResponse, hooks: GateHooks, headLeft = false, base?: BaseCalls) {
    this.res = res;
    this.hooks = hooks;
    if (headLeft) this.state = "streaming";
    const intercepted = hooksRegistry.intercept(res, this, base);
    this.inner = intercepted.inner;
    this.base = intercepted.base;
  }

  private moveTo(next: State): void {
    const was = this.holding;
    this.state = next;
    if (was === this.holding) return;
    if (was) hooksRegistry.holdEnded();
    else hooksRegistry.holdStarted(this.res);
  }

  /** True while the head (or the end) is held back. */
  get holding(): boolean {
    return this.state === "holding" || this.state === "holding-end";
  }

  /** end() was called (and is held, while holding). */
  get endCalled(): boolean {
    return this._endCalled;
  }

  /** A held write() returned false: somebody may wait for 'drain'. */
  get owesDrain(): boolean {
    return this._owesDrain;
  }

  /** True once the head was let through, held or replaced. */
  get headStarted(): boolean {
    return this.state !== "open";
  }

  /** Stop intercepting: from now on every call goes straight to the response (client gone, scope over). */
  passThrough(): void {
    if (this.state === "open" || this.state === "streaming") this.moveTo("done");
  }

  private call(self: ServerResponse, method: Method, args: unknown[]): unknown {
    const inner = this.inner;
    if (inner === undefined) return (this.base.methods[method] as AnyFn).apply(self, args);
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

  /** @internal */
  onWriteHead(self: ServerResponse, args: unknown[]): unknown {
    if (this.state === "replacing") return this.call(self, "writeHead", atLeast500(args));
    if (this.state === "open") {
      const code = args[0];
      // An invalid status must throw synchronously, as it does without us.
      if (typeof code !== "number" || !Number.isInteger(code) || code < 100 || code > 999)
        return this.call(self, "writeHead", args);
      if (this.startHead(code, { method: "writeHead", args })) {
        self.statusCode = code;
        if (typeof args[1] === "string") self.statusMessage = args[1];
        return self;
      }
      return this.call(self, "writeHead", args);
    }
    if (this.state === "holding") return this.enqueue({ method: "writeHead", args }, self);
    if (this.state === "dropping") return self;
    return this.call(self, "writeHead", args);
  }

  /** @internal */
  onFlushHeaders(self: ServerResponse, args: unknown[]): unknown {
    if (this.state === "open" && !validStatus(self.statusCode)) return this.call(self, "flushHeaders", args); // throws as Node does
    if (this.state === "open") {
      if (this.startHead(self.statusCode, { method: "flushHeaders", args })) return undefined;
      return this.call(self, "flushHeaders", args);
    }
    if (this.state === "holding") return this.enqueue({ method: "flushHeaders", args }, undefined);
    if (this.state === "dropping") return undefined;
    return this.call(self, "flushHeaders", args);
  }

  /** @internal */
  onWrite(self: ServerResponse, args: unknown[]): unknown {
    if (!validChunk(args[0], false)) return this.call(self, "write", args); // throws as Node does
    switch (this.state) {
      case "open":
        // res.statusCode = NaN throws only when the head is written: it must throw here, synchronously,
        // so the framework's error path answers 500, not later in the replay that can only destroy.
        if (!validStatus(self.statusCode)) return this.call(self, "write", args);
        if (this.startHead(self.statusCode, { method: "write", args })) return this.heldWrite();
        return this.call(self, "write", args);
      case "holding":
      case "holding-end":
        this.queue.push({ method: "write", args });
        return this.heldWrite();
      case "dropping":
        failCallback(args, new Error("The response was replaced after its scope failed; this write was dropped."));
        return false;
      default:
        return this.call(self, "write", args);
    }
  }

  /** @internal */
  onEnd(self: ServerResponse, args: unknown[]): unknown {
    if (!validChunk(args[0], true)) return this.call(self, "end", args);
    switch (this.state) {
      case "open": {
        if (!validStatus(self.statusCode)) return this.call(self, "end", args); // throws as Node does
        const pending = this.hooks.head(self.statusCode) ?? this.hooks.end(self.statusCode);
        if (pending === undefined) {
          this.moveTo("done");
          return this.call(self, "end", args);
        }
        this.status = self.statusCode;
        this._endCalled = true;
        this.hold("holding", { method: "end", args }, pending);
        return self;
      }
      case "streaming": {
        const pending = this.hooks.end(self.statusCode);
        if (pending === undefined) {
          this.moveTo("done");
          return this.call(self, "end", args);
        }
        this.status = self.statusCode;
        this._endCalled = true;
        this.hold("holding-end", { method: "end", args }, pending);
        return self;
      }
      case "holding":
      case "holding-end":
        this._endCalled = true;
        this.queue.push({ method: "end", args });
        return self;
      case "dropping":
        failCallback(args, new Error("The response was replaced after its scope failed; this end() was dropped."));
        return self;
      default:
        return this.call(self, "end", args);
    }
  }

  private heldWrite(): boolean {
    // Returning false makes pipes and well-behaved writers pause until the 'drain' emitted on release.
    this._owesDrain = true;
    return false;
  }

  private enqueue<T>(call: Call, result: T): T {
    this.queue.push(call);
    return result;
  }

  /** The head would leave: ask whether to hold it. Returns true when the call was queued. */
  private startHead(status: number, call: Call): boolean {
    const pending = this.hooks.head(status);
    if (pending === undefined) {
      this.moveTo("streaming");
      return false;
    }
    this.status = status;
    this.hold("holding", call, pending);
    return true;
  }

  private hold(state: "holding" | "holding-end", first: Call, pending: Promise<Verdict>): void {
    this.moveTo(state);
    this.queue.push(first);
    pending
      .then((verdict) =>
        verdict.ok ? this.replay() : state === "holding" ? this.replace(verdict.error) : this.abandon(verdict.error),
      )
      .catch((error: unknown) => this.abandon(error));
  }

  private replay(): void {
    const queue = this.queue;
    this.queue = [];
    this.moveTo("done");
    const res = this.res;
    // What the handler saw is what goes out, even if something touched statusCode while we held.
    if (!res.headersSent) res.statusCode = this.status;
    try {
      for (const call of queue) this.call(res, call.method, call.args);
    } catch (error) {
      this.abandon(error);
      return;
    }
    if (this._owesDrain && !this._endCalled && !res.writableNeedDrain) res.emit("drain");
  }

  private async replace(error: unknown): Promise<void> {
    const dropped = this.queue;
    this.queue = [];
    this.moveTo("replacing");
    const res = this.res;
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    try {
      await this.hooks.replace(error);
    } finally {
      this.moveTo("dropping");
      if (!res.writableEnded) this.call(res, "end", []);
      for (const call of dropped) failCallback(call.args, error);
    }
  }

  private abandon(error: unknown): void {
    const dropped = this.queue;
    this.queue = [];
    this.moveTo("dropping");
    // The head already left: the only honest signal left is an incomplete response.
    this.res.destroy();
    for (const call of dropped) failCallback(call.args, error);
    this.hooks.lost(error);
  }
}

// The replacement for a failed commit is a 5xx whatever onCommitError chose (an implicit head, too,
// comes through writeHead): a client must never read success for work that was not saved.
function atLeast500(args: unknown[]): unknown[] {
  const code = args[0];
  if (typeof code !== "number" || code >= 500) return args;
  const headers = typeof args[1] === "string" ? args[2] : args[1];
  return headers === undefined ? [500, "Internal Server Error"] : [500, "Internal Server Error", headers];
}

function validStatus(code: unknown): boolean {
  return typeof code === "number" && Number.isInteger(code) && code >= 100 && code <= 999;
}

function validChunk(chunk: unknown, forEnd: boolean): boolean {
  if (typeof chunk === "string" || chunk instanceof Uint8Array) return true;
  if (forEnd) return chunk === undefined || chunk === null || typeof chunk === "function";
  return false;
}

function failCallback(args: readonly unknown[], error: unknown): void {
  for (let i = args.length - 1; i >= 0; i--) {
    const cb = args[i];
    if (typeof cb === "function") {
      process.nextTick(cb as (error: unknown) => void, error);
      return;
    }
  }
}
