import { ServerResponse, type IncomingMessage } from "node:http";
import type { SQLScope } from "@sqlscope/core";
import {
  clientGone,
  endScope,
  FAILED,
  joinedScope,
  requestIntent,
  statusForError,
  type FinishReport,
  type Scope,
  reportWarning,
} from "@sqlscope/core/adapter";
import { defaultResponder, sendPlainError } from "./error-response.ts";
import { hooks } from "./hooks/hooks.ts";
import { ResponseGate, type GateHooks, type Verdict } from "./response-gate.ts";
import type { AttachOptions } from "./types.ts";

/**
 * One request's scope, wired to its response. What `withScope` and the Express middleware build on.
 * Call `run` and `fail` as methods (`rs.run(next)`), not detached.
 */
export interface RequestScope {
  readonly scope: Scope;
  /** Runs fn (the handler, or Express's `next`) inside the scope. */
  run<T>(fn: () => T): T;
  /**
   * The handler threw or rejected: rolls back and releases, then answers with `onError` if nothing
   * was sent yet, or cuts the response short if its head already left. Never rejects, except when
   * the request joined an outer scope (`joined`): then it rethrows, for the outer mount to handle.
   */
  fail(error: unknown): Promise<void>;
  /** True when the request already ran in an open scope of this SQLScope (a nested mount), which settles it. */
  readonly joined: boolean;
}

/**
 * Opens a scope for one request and ties its end to the response: the first time the head would
 * leave, the scope commits or rolls back by the status, and the head and body wait until it has.
 * A scope that holds no connection lets the response through at once. A request already in an open
 * scope of `db` (a nested mount) joins it: `run` just runs, and the outer mount settles. Throws a
 * TypeError when `res` is not a node:http ServerResponse (HTTP/1.1).
 *
 * @example
 * const rs = attachScope(db, req, res);
 * rs.run(next); // Express-style: the rest of the chain runs inside the scope
 */
export function attachScope(
  db: SQLScope,
  req: IncomingMessage,
  res: ServerResponse,
  options: AttachOptions = {},
): RequestScope {
  const outer = joinedScope(db);
  if (outer !== undefined) return new JoinedRequest(outer);
  return new ScopedRequest(db, req, res, options);
}

/** A nested mount of the same SQLScope: the request's scope is the outer one, which settles it. */
class JoinedRequest implements RequestScope {
  readonly scope: Scope;
  readonly joined = true;

  constructor(scope: Scope) {
    this.scope = scope;
  }

  run<T>(fn: () => T): T {
    return fn();
  }

  fail(error: unknown): Promise<void> {
    return Promise.reject(error as Error);
  }
}

// One object per request with its behaviour on the prototype: per-request closures cost an
// allocation each, and under tsx (keepNames) a defineProperty each, on every request.
class ScopedRequest implements RequestScope, GateHooks {
  readonly scope: Scope;
  readonly joined = false;
  private readonly db: SQLScope;
  private readonly req: IncomingMessage;
  private readonly res: ServerResponse;
  private readonly options: AttachOptions;
  private clientGone = false;
  // Built only when the scope first gets work to settle (scope.onActive): a route that never touches
  // a database leaves the response and its listeners exactly as Node made them.
  private gate: ResponseGate | undefined = undefined;

  constructor(db: SQLScope, req: IncomingMessage, res: ServerResponse, options: AttachOptions) {
    requireServerResponse(res);
    this.scope = db.createScope({ intent: requestIntent(options.intent, req, req.method) });
    this.db = db;
    this.req = req;
    this.res = res;
    this.options = options;
    // On hooked prototypes (Express) the request binds itself when it gets a listener; a plain
    // request gets its own emit now, before any body parser can add one.
    if (options.prototypes === undefined) hooks.bindRequest(req, this.scope);
    this.scope.onActive = () => this.activate();
    // 'close' comes once, whether the response finished or the client left: it ends a scope that never
    // got work (its figures say so), and a scope with work whose client left rolls back.
    res.on("close", () => this.onClose());
  }

  run<T>(fn: () => T): T {
    return this.scope.run(fn);
  }

  async fail(error: unknown): Promise<void> {
    const { scope, res } = this;
    if (this.clientGone) {
      await scope.finish(FAILED);
      return;
    }
    if (!(this.gate?.headStarted ?? res.headersSent)) {
      this.gate?.passThrough();
      this.reportFailure(await scope.finish(FAILED));
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      try {
        await (this.options.onError ?? defaultResponder(this.db))(error, this.req, res);
      } catch (responderError) {
        reportWarning(this.db, asError(responderError));
      }
      if (!res.headersSent) sendPlainError(res, statusForError(error));
      else if (!res.writableEnded) res.end();
      return;
    }
    // The head already left (or is held with its status decided): the client must not mistake a
    // cut-off body for a complete one.
    reportWarning(this.db, asError(error));
    this.reportFailure(await scope.finish(FAILED));
    if (!res.writableEnded) res.destroy();
  }

  // Runs synchronously inside the first statement (or hook registration), before it can yield: if the
  // head has not left yet, the gate is in place before the handler can write it.
  private activate(): void {
    const { res, scope } = this;
    if (clientGone(this.req, res)) {
      // The client left before the first statement: nothing of this request may commit.
      this.clientGone = true;
      void scope.finish(FAILED).then((report) => this.reportFailure(report));
      return;
    }
    if (res.writableEnded) {
      // The response already ended: its status is the outcome, and the scope ends now (the statement
      // that activated it throws SessionClosedError, as it did once the response ended).
      void scope.finish({ status: res.statusCode }).then((report) => this.reportFailure(report));
      return;
    }
    // When the head already left (headersSent, or held by another scope's gate), it cannot be held:
    // the gate starts streaming, holds only the end, and a failed commit can only cut the response.
    this.gate = new ResponseGate(res, this, res.headersSent, this.options.prototypes?.responseBase);
  }

  private onClose(): void {
    if (this.res.writableFinished) {
      // With a gate, its end() hook settled the scope; without one the scope never got work.
      if (this.gate === undefined) void this.scope.finish({ status: this.res.statusCode });
      return;
    }
    // The client left (or the socket died) before it got the answer. Whatever the handler does next,
    // nothing of this request may commit.
    this.clientGone = true;
    if (this.gate?.holding === true) return; // the outcome was decided when the head left; the settle already runs
    this.gate?.passThrough();
    void this.scope.finish(FAILED).then((report) => this.reportFailure(report));
  }

  private reportFailure(report: FinishReport): void {
    if (report.error !== undefined) reportWarning(this.db, report.error);
  }

  private settle(status: number): Promise<Verdict> {
    return this.scope.finish({ status }).then(toVerdict);
  }

  /**
   * @internal GateHooks: the head is about to leave. A scope that settles synchronously (SQLite, no
   * hooks) lets the head through at once when it committed: nothing is held, nothing replayed.
   */
  head(status: number): Promise<Verdict> | undefined {
    if (!this.scope.needsSettling) return undefined;
    const report = endScope(this.scope, { status });
    if (report instanceof Promise) return report.then(toVerdict);
    return report.ok ? undefined : Promise.resolve(toVerdict(report));
  }

  /** @internal GateHooks: end() of a response whose head was let through. */
  end(status: number): Promise<Verdict> | undefined {
    if (this.scope.state === "finished") return undefined; // settled when the head left
    if (this.scope.needsSettling) return this.settle(status);
    void this.scope.finish({ status }); // nothing to settle: resolves at once, closes the sessions
    return undefined;
  }

  /** @internal GateHooks: the held head failed; write the replacement. */
  async replace(error: unknown): Promise<void> {
    const { res } = this;
    // The failure is reported whoever writes the replacement: a custom responder shapes the answer,
    // it does not take over the logging.
    reportWarning(this.db, asError(error));
    try {
      if (this.options.onCommitError === undefined) sendPlainError(res, 500);
      else await this.options.onCommitError(error, this.req, res);
    } catch (responderError) {
      reportWarning(this.db, asError(responderError));
      if (!res.headersSent) sendPlainError(res, 500);
    }
  }

  /** @internal GateHooks: the held end failed, or replaying threw. */
  lost(error: unknown): void {
    if (!this.clientGone) reportWarning(this.db, asError(error));
  }
}

function toVerdict(report: FinishReport): Verdict {
  return report.ok ? { ok: true } : { ok: false, error: report.error };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
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
