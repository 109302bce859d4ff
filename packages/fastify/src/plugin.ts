import type { FastifyInstance, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import fp from "fastify-plugin";
import { AlreadyRegisteredError, currentScope, PoolTimeoutError, type FinishReport, type Scope, type SQLScope, type SQLScopeError } from "@sqlscope/core";

export interface FastifySQLScopeOptions {
  /** The SQLScope whose databases every request gets a session of. */
  db: SQLScope;
}

/** What the plugin keeps per request. */
class RequestState {
  readonly scope: Scope;
  /** The error Fastify's error handling saw for this request (onError), if any. */
  error: unknown = undefined;
  /** Set when the commit failed and the reply was turned into an error. */
  commitFailure: SQLScopeError | undefined = undefined;

  constructor(scope: Scope) {
    this.scope = scope;
  }
}

// Which SQLScopes are mounted on which instance: registering one twice is caught at start-up.
const mounted = new WeakMap<FastifyInstance, Set<SQLScope>>();

async function sqlscopePlugin(fastify: FastifyInstance, options: FastifySQLScopeOptions): Promise<void> {
  const { db } = options;
  const dbs = mounted.get(fastify) ?? new Set<SQLScope>();
  if (dbs.has(db)) {
    throw new AlreadyRegisteredError(
      "This SQLScope is registered twice on the same Fastify instance (fastify.register(sqlscope, { db }) called twice). Register it once, at the root.",
    );
  }
  mounted.set(fastify, dbs.add(db));

  // A symbol per registration, so two SQLScopes on one app keep their own state.
  const kState = Symbol("sqlscope");
  fastify.decorateRequest(kState, null);
  const stateOf = (request: FastifyRequest): RequestState | null => (request as unknown as Record<symbol, RequestState | null>)[kState] ?? null;

  fastify.addHook("onRequest", (request, reply, done) => {
    const scope = db.createScope();
    const state = new RequestState(scope);
    (request as unknown as Record<symbol, RequestState>)[kState] = state;
    // Safety net for replies that skip onSend (reply.hijack()): settle once the response is done. A
    // 'close' listener rather than an onResponse hook, which cost ~2.5 us on every request (Node 20).
    reply.raw.once("close", () => {
      if (state.scope.state !== "open") return;
      void settleLate(db, state, reply.raw.writableFinished ? { status: reply.raw.statusCode } : { success: false });
    });
    // The rest of the hook chain (and the handler, when no body is read) runs inside the scope.
    scope.run(done);
  });

  // Body parsers continue from stream events, whose async context is not the request's. Fastify 5.12
  // rebinds its parser callback to the request's context itself; should a parser or an older release
  // not, re-enter the scope here so preValidation/preHandler hooks and the handler still see it.
  fastify.addHook("preValidation", (request, _reply, done: HookHandlerDoneFunction) => {
    const state = stateOf(request);
    if (state === null || currentScope() === state.scope) done();
    else state.scope.run(done);
  });

  fastify.addHook("onError", async (request, _reply, error) => {
    const state = stateOf(request);
    if (state !== null && state.error === undefined) state.error = error;
  });

  // Callback style, not async: when the scope settles synchronously (SQLite) no promise is made.
  fastify.addHook("onSend", (request, reply, payload, done) => {
    const state = stateOf(request);
    if (state === null) {
      done(null, payload);
      return;
    }
    if (state.commitFailure !== undefined) {
      // Second pass, with the error handler's payload: whatever it chose, a failed commit is a 5xx.
      if (reply.statusCode < 500) reply.code(500);
      done(null, payload);
      return;
    }
    if (state.error instanceof PoolTimeoutError && reply.statusCode === 500) reply.code(503);
    const status = state.error !== undefined && reply.statusCode < 400 ? 500 : reply.statusCode;
    const settled = state.scope.finishNow({ status });
    const answer = (report: FinishReport): void => {
      if (report.ok) {
        done(null, payload);
        return;
      }
      const failure = report.error as SQLScopeError;
      if (state.error !== undefined) {
        db.warn(failure);
        done(null, payload);
        return;
      }
      state.commitFailure = failure;
      // An error from onSend goes to the app's error handler, which sends a new payload; the status
      // set here keeps Fastify from reusing the handler's 2xx.
      reply.code(500);
      done(failure);
    };
    if (settled instanceof Promise) void settled.then(answer, (error: unknown) => done(error as Error));
    else answer(settled);
  });

  // The client left before a response: roll back now and return the connection; later statements of
  // the handler fail with SessionClosedError.
  fastify.addHook("onRequestAbort", async (request) => {
    const state = stateOf(request);
    if (state !== null) await settleLate(db, state, { success: false });
  });

}

async function settleLate(db: SQLScope, state: RequestState, outcome: { status: number } | { success: boolean }): Promise<void> {
  const report = await state.scope.finish(outcome);
  if (report.error !== undefined) db.warn(report.error);
}

/**
 * Fastify plugin that gives every request its own sqlscope scope (not encapsulated: it covers every
 * route registered after it). The scope settles in `onSend` by `reply.statusCode`, before the payload
 * is written: a failed commit becomes a 500 through the app's error handler; errors roll back; an
 * aborted request rolls back and returns its connection.
 *
 * @example
 * const app = Fastify();
 * await app.register(sqlscope, { db });
 * app.get("/users", async () => getSession().select("SELECT * FROM users"));
 */
export const sqlscope = fp(sqlscopePlugin, { fastify: ">=5", name: "@sqlscope/fastify" });
