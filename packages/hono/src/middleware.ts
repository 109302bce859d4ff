import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import type { Session, SQLScope } from "@sqlscope/core";
import {
  clientGone,
  endScope,
  endWhenClientGone,
  FAILED,
  failedOutcome,
  genericErrorBody,
  isPoolTimeout,
  joinedScope,
  type FinishReport,
  type SQLScopeError,
  reportWarning,
  requestIntent,
  type IntentOption,
} from "@sqlscope/core/adapter";
import { replace } from "./replace.ts";

/** The Hono environment the middleware adds: `c.var.session` is the request's session for the default key. */
export interface SQLScopeEnv {
  Variables: { session: Session };
}

export interface HonoSQLScopeOptions {
  /**
   * The response sent instead of the handler's when a commit failed. It is always sent as a 5xx (a
   * lower status becomes 500); the default is a plain-text 500 that says nothing of the database.
   * The error goes to the SQLScope's onWarning either way.
   */
  onCommitError?: (error: SQLScopeError, c: Context) => Response | Promise<Response>;
  /**
   * The transaction intent of a request: "write" makes SQLite take its write lock at the request's
   * first statement (a read-await-write handler then cannot fail with SQLITE_BUSY_SNAPSHOT when
   * another request commits first), "read" keeps it deferred so reads run side by side. Default: by
   * method, "write" for POST, PUT, PATCH and DELETE, "read" for GET, HEAD, OPTIONS. A function decides
   * per request (per route). PostgreSQL and MySQL ignore it.
   */
  intent?: IntentOption<Context>;
}

/**
 * Hono middleware that gives every request its own sqlscope scope and sets `c.var.session`. Mount it
 * before the routes; a request that meets it again (a sub-app mounted with `app.route()` that uses it
 * too) stays in its first scope. The scope settles by `c.res.status` after the handler returned and
 * before Hono hands the response to the server: a failed commit replaces the response with a 5xx
 * (whatever an outer middleware sets afterwards), a thrown error (or `c.error`) rolls back, and on
 * @hono/node-server a client that disconnects rolls back and releases at once.
 *
 * @example
 * const app = new Hono();
 * app.use(sqlscope(db));
 * app.get("/users", async (c) => c.json(await c.var.session.select("SELECT * FROM users")));
 */
export function sqlscope(db: SQLScope, options: HonoSQLScopeOptions = {}): MiddlewareHandler<SQLScopeEnv> {
  const onCommitError = options.onCommitError ?? (() => plainError(500));
  const warn = (report: FinishReport): void => {
    if (report.error !== undefined) reportWarning(db, report.error);
  };
  return async function sqlscopeMiddleware(c, next) {
    // A nested mount (a sub-app's own middleware): the outer mount's scope settles this request.
    if (joinedScope(db) !== undefined) {
      await next();
      return;
    }
    const scope = db.createScope({ intent: requestIntent(options.intent, c, c.req.method) });
    // A Session object takes no connection until its first statement, so this costs one allocation.
    c.set("session", scope.session(db.defaultKey));
    const node = nodeBindings(c);
    if (node !== undefined) endWhenClientGone(scope, node.incoming, node.outgoing, warn);
    try {
      await scope.run(next);
    } catch (error) {
      // Hono's compose turns handler errors into c.error; only errors of later middleware land here.
      const ended = endScope(scope, failedOutcome(error));
      warn(ended instanceof Promise ? await ended : ended);
      throw error;
    }
    if (c.error !== undefined) {
      const ended = endScope(scope, failedOutcome(c.error, c.res.status));
      warn(ended instanceof Promise ? await ended : ended);
      // The error handler's generic 500 for a pool timeout: the client may retry, so say so.
      if (isPoolTimeout(c.error) && c.res.status === 500) replace(c, plainError(503));
      return;
    }
    const gone = node !== undefined && scope.needsSettling && clientGone(node.incoming, node.outgoing);
    const ended = endScope(scope, gone ? FAILED : { status: c.res.status });
    // A driver that commits synchronously (SQLite) costs no await.
    const report = ended instanceof Promise ? await ended : ended;
    if (report.ok) return;
    const failure = report.error as SQLScopeError;
    reportWarning(db, failure); // reported whoever writes the replacement
    c.error = failure;
    const response = await onCommitError(failure, c);
    replace(c, response.status >= 500 ? response : withStatus(response, 500));
    keepServerError(c);
  };
}

function plainError(status: 500 | 503): Response {
  const headers: Record<string, string> = { "content-type": "text/plain; charset=UTF-8" };
  if (status === 503) headers["retry-after"] = "1";
  return new Response(genericErrorBody(status), { status, headers });
}

function withStatus(response: Response, status: number): Response {
  return new Response(response.body, { status, headers: response.headers });
}

// After a failed commit, whatever an outer middleware (or the error handler, for a later error) puts
// in c.res goes out as a 5xx: this one context gets its own `res` accessor around Hono's.
function keepServerError(c: Context): void {
  let proto: object | null = Object.getPrototypeOf(c) as object | null;
  let accessor: PropertyDescriptor | undefined;
  for (; proto !== null && accessor === undefined; proto = Object.getPrototypeOf(proto) as object | null) {
    accessor = Object.getOwnPropertyDescriptor(proto, "res");
  }
  const { get, set } = accessor ?? {};
  if (get === undefined || set === undefined) return;
  Object.defineProperty(c, "res", {
    configurable: true,
    get(this: Context) {
      return get.call(this) as Response;
    },
    set(this: Context, response: Response | undefined) {
      set.call(this, response === undefined || response.status >= 500 ? response : withStatus(response, 500));
    },
  });
}

// On @hono/node-server, c.env carries the node:http request and response.
function nodeBindings(c: Context): { incoming: IncomingMessage; outgoing: ServerResponse } | undefined {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  return env?.outgoing !== undefined && env.incoming !== undefined
    ? { incoming: env.incoming, outgoing: env.outgoing }
    : undefined;
}
