import type { FastifyInstance, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import fp from "fastify-plugin";
import type { SQLScope } from "@sqlscope/core";
import {
  AlreadyRegisteredError,
  currentScope,
  endScope,
  FAILED,
  failedOutcome,
  genericErrorBody,
  isPoolTimeout,
  isSQLScopeError,
  joinedScope,
  type FinishReport,
  type Outcome,
  type Scope,
  type SQLScopeError,
  reportWarning,
  requestIntent,
  type IntentOption,
} from "@sqlscope/core/adapter";

export interface FastifySQLScopeOptions {
  /** The SQLScope whose databases every request gets a session of. */
  db: SQLScope;
  /**
   * The transaction intent of a request: "write" makes SQLite take its write lock at the request's
   * first statement (a read-await-write handler then cannot fail with SQLITE_BUSY_SNAPSHOT when
   * another request commits first), "read" keeps it deferred so reads run side by side. Default: by
   * method, "write" for POST, PUT, PATCH and DELETE, "read" for GET, HEAD, OPTIONS. A function decides
   * per request (per route). PostgreSQL and MySQL ignore it.
   */
  intent?: IntentOption<FastifyRequest>;
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
  const warn = (report: FinishReport): void => {
    if (report.error !== undefined) reportWarning(db, report.error);
  };

  // A symbol per registration, so two SQLScopes on one app keep their own state.
  const kState = Symbol("sqlscope");
  fastify.decorateRequest(kState, null);
  const stateOf = (request: FastifyRequest): RequestState | null =>
    (request as unknown as Record<symbol, RequestState | null>)[kState] ?? null;

  fastify.addHook("onRequest", (request, reply, done) => {
    // Registered again in an encapsulated plugin: the outer registration's scope settles this request.
    if (joinedScope(db) !== undefined) {
      done();
      return;
    }
    const scope = db.createScope({ intent: requestIntent(options.intent, request, request.method) });
    const state = new RequestState(scope);
    (request as unknown as Record<symbol, RequestState>)[kState] = state;
    // Safety net for replies that skip onSend (reply.hijack()): settle once the response is done. A
    // 'close' listener rather than an onResponse hook, which cost ~2.5 us on every request (Node 20).
    reply.raw.once("close", () => {
      if (state.scope.state !== "open") return;
      void settleLate(state, reply.raw.writableFinished ? { status: reply.raw.statusCode } : FAILED, warn);
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
      done(null, generic(payload, state.commitFailure, reply.statusCode));
      return;
    }
    if (isPoolTimeout(state.error) && reply.statusCode === 500) reply.code(503);
    const ended = endScope(
      state.scope,
      state.error !== undefined ? failedOutcome(state.error, reply.statusCode) : { status: reply.statusCode },
    );
    const answer = (report: FinishReport): void => {
      if (report.ok) {
        done(null, state.error === undefined ? payload : generic(payload, state.error, reply.statusCode));
        return;
      }
      const failure = report.error as SQLScopeError;
      if (state.error !== undefined) {
        reportWarning(db, failure);
        done(null, generic(payload, state.error, reply.statusCode));
        return;
      }
      state.commitFailure = failure;
      reportWarning(db, failure); // reported whatever the app's error handler makes of it
      // An error from onSend goes to the app's error handler, which sends a new payload; the status
      // set here keeps Fastify from reusing the handler's 2xx.
      reply.code(500);
      done(failure);
    };
    if (ended instanceof Promise) void ended.then(answer, (error: unknown) => done(error as Error));
    else answer(ended);
  });

  // The client left before a response: roll back now and return the connection; later statements of
  // the handler fail with SessionClosedError.
  fastify.addHook("onRequestAbort", async (request) => {
    const state = stateOf(request);
    if (state !== null) await settleLate(state, FAILED, warn);
  });

  // Fastify's own serialization of an error (its default handler, or reply.send(error) from a custom
  // one) puts the error's message in the body. For sqlscope's errors that is the SQL text, a host and
  // port, the driver's words: keep the shape, say only what the client can do, and report the error.
  function generic(payload: unknown, error: unknown, status: number): unknown {
    if (status < 500 || typeof payload !== "string" || !isSQLScopeError(error)) return payload;
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      return payload;
    }
    if (typeof body !== "object" || body === null || (body as { message?: unknown }).message !== error.message)
      return payload;
    reportWarning(db, error);
    return JSON.stringify({ ...body, message: genericErrorBody(status).trim() });
  }
}

async function settleLate(state: RequestState, outcome: Outcome, warn: (report: FinishReport) => void): Promise<void> {
  warn(await state.scope.finish(outcome));
}

/**
 * Fastify plugin that gives every request its own sqlscope scope (not encapsulated: it covers every
 * route registered after it; registered again in an encapsulated child, a request stays in its first
 * scope). The scope settles in `onSend` by `reply.statusCode`, before the payload is written: a failed
 * commit becomes a 500 through the app's error handler (a 5xx whatever it answers); errors roll back;
 * an aborted request rolls back and returns its connection. Fastify's default error bodies for
 * sqlscope's errors say nothing of the database (the error goes to onWarning).
 *
 * @example
 * const app = Fastify();
 * await app.register(sqlscope, { db });
 * app.get("/users", async () => getSession().select("SELECT * FROM users"));
 */
export const sqlscope = fp(sqlscopePlugin, { fastify: ">=5", name: "@sqlscope/fastify" });
