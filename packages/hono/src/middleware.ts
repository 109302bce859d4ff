import type { Context, MiddlewareHandler } from "hono";
import { PoolTimeoutError, type Session, type SQLScope, type SQLScopeError } from "@sqlscope/core";

/** The Hono environment the middleware adds: `c.var.session` is the request's session for the default key. */
export interface SQLScopeEnv {
  Variables: { session: Session };
}

export interface HonoSQLScopeOptions {
  /**
   * The response sent instead of the handler's when a commit failed. It must be a 5xx; the default is
   * a plain-text 500.
   */
  onCommitError?: (error: SQLScopeError, c: Context) => Response | Promise<Response>;
}

/**
 * Hono middleware that gives every request its own sqlscope scope and sets `c.var.session`. The scope
 * settles by `c.res.status` after the handler returned and before Hono hands the response to the
 * server: a failed commit replaces the response with a 500, a thrown error (or `c.error`) rolls back.
 *
 * @example
 * const app = new Hono();
 * app.use(sqlscope(db));
 * app.get("/users", async (c) => c.json(await c.var.session.select("SELECT * FROM users")));
 */
export function sqlscope(db: SQLScope, options: HonoSQLScopeOptions = {}): MiddlewareHandler<SQLScopeEnv> {
  const onCommitError = options.onCommitError ?? plainServerError;
  return async function sqlscopeMiddleware(c, next) {
    const scope = db.createScope();
    // A Session object takes no connection until its first statement, so this costs one allocation.
    c.set("session", scope.session(db.defaultKey));
    try {
      await scope.run(next);
    } catch (error) {
      // Hono's compose turns handler errors into c.error; only errors of later middleware land here.
      const report = await scope.finish({ status: error instanceof PoolTimeoutError ? 503 : 500 });
      if (report.error !== undefined) db.warn(report.error);
      throw error;
    }
    if (c.error !== undefined) {
      const status = c.res.status >= 400 ? c.res.status : 500;
      const report = await scope.finish({ status });
      if (report.error !== undefined) db.warn(report.error);
      if (c.error instanceof PoolTimeoutError && c.res.status === 500) replace(c, withStatus(c.res, 503));
      return;
    }
    if (!scope.needsSettling) {
      void scope.finishNow({ status: c.res.status }); // nothing to settle: ends synchronously, never rejects
      return;
    }
    // finishNow: a driver that commits synchronously (SQLite) costs no await.
    const settled = scope.finishNow(clientGone(c) ? { success: false } : { status: c.res.status });
    const report = settled instanceof Promise ? await settled : settled;
    if (report.ok) return;
    const failure = report.error as SQLScopeError;
    c.error = failure;
    const response = await onCommitError(failure, c);
    replace(c, response.status >= 500 ? response : withStatus(response, 500));
  };
}

function plainServerError(): Response {
  return new Response("Internal Server Error", { status: 500, headers: { "content-type": "text/plain; charset=UTF-8" } });
}

function withStatus(response: Response, status: number): Response {
  return new Response(response.body, { status, headers: response.headers });
}

// Assigning over an existing c.res copies the old headers (Location, Content-Length...) onto the new
// response; clearing it first keeps the error response clean. The old body is never read, so cancel it.
function replace(c: Context, response: Response): void {
  const old = c.res;
  c.res = undefined;
  c.res = response;
  if (old.body !== null && old.body !== response.body && !old.bodyUsed) old.body.cancel().catch(() => undefined);
}

// On @hono/node-server, c.env carries the node:http response: a destroyed one means the client left.
function clientGone(c: Context): boolean {
  const outgoing = (c.env as { outgoing?: { destroyed?: boolean; headersSent?: boolean } } | undefined)?.outgoing;
  return outgoing !== undefined && outgoing.destroyed === true && outgoing.headersSent !== true;
}
