import type { IncomingMessage, ServerResponse } from "node:http";
import type { SQLScope, SQLScopeError } from "@sqlscope/core";
import { errorStatus, markPoolTimeout } from "./status.ts";

/** The parts of a Koa context the middleware reads; Koa 2 and 3 both have them. */
export interface KoaLikeContext {
  status: number;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

export type KoaLikeNext = () => Promise<unknown>;

/**
 * Koa middleware that gives every request its own sqlscope scope. Mount it once, before the routes
 * that call getSession(). The scope settles by `ctx.status` after the downstream middleware returned
 * and before Koa writes the response: a failed commit becomes a 500 through Koa's error handling, a
 * thrown error rolls back and propagates.
 *
 * @example
 * const app = new Koa();
 * app.use(sqlscope(db));
 * app.use(async (ctx) => { ctx.body = await getSession().select("SELECT * FROM users"); });
 */
export function sqlscope(db: SQLScope): (ctx: KoaLikeContext, next: KoaLikeNext) => Promise<void> {
  return async function sqlscopeMiddleware(ctx, next) {
    const scope = db.createScope();
    try {
      await scope.run(next);
    } catch (error) {
      markPoolTimeout(error);
      const report = await scope.finish({ status: errorStatus(error) });
      if (report.error !== undefined) db.warn(report.error);
      throw error;
    }
    if (!scope.needsSettling) {
      void scope.finishNow({ status: ctx.status }); // nothing to settle: ends synchronously, never rejects
      return;
    }
    // The client hung up before anything was written: nobody will see a success, so nothing commits.
    const gone = !ctx.res.headersSent && (ctx.res.destroyed || ctx.req.socket.destroyed);
    // finishNow: a driver that commits synchronously (SQLite) costs no await.
    const settled = scope.finishNow(gone ? { success: false } : { status: ctx.status });
    const report = settled instanceof Promise ? await settled : settled;
    if (!report.ok) throw asServerError(report.error);
  };
}

// Koa's error handling reads `status` and `expose`: a 500 whose message stays in the logs.
function asServerError(error: SQLScopeError | undefined): Error {
  const failure = error ?? new Error("sqlscope: a commit failed");
  return Object.assign(failure, { status: 500, expose: false });
}
