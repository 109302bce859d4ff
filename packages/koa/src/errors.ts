import type { SQLScope } from "@sqlscope/core";
import { mappedError, reportWarning } from "@sqlscope/core/adapter";
import type { KoaLikeNext } from "./middleware.ts";

/** The parts of a Koa context the error mapper writes; Koa 2 and 3 both have them. */
export interface KoaLikeErrorContext {
  status: number;
  body: unknown;
  readonly headerSent: boolean;
  set(headers: Record<string, string>): void;
}

/**
 * Koa middleware that answers sqlscope's own errors thrown downstream with the status they stand
 * for and a short plain-text body that says nothing of the database: `NotFoundError` 404, a unique
 * violation 409, another `ConstraintError` 422, a pool timeout 503 with `Retry-After`, any other (a
 * failed query or commit, a lost connection, a `ParameterError`) 500. With `db`, the 5xx go to its
 * onWarning. Every other error is rethrown untouched, to your own error middleware or Koa's. Mount it
 * before `sqlscope(db)`: the scope has then rolled back before the mapped status is set.
 *
 * @example
 * app.use(sqlscopeErrors(db));
 * app.use(sqlscope(db));
 * app.use(router.routes());
 */
export function sqlscopeErrors(db?: SQLScope): (ctx: KoaLikeErrorContext, next: KoaLikeNext) => Promise<void> {
  return async function sqlscopeErrorMiddleware(ctx, next) {
    try {
      await next();
    } catch (error) {
      const mapped = mappedError(error);
      if (mapped === undefined || ctx.headerSent) throw error;
      if (mapped.serverError && db) reportWarning(db, error);
      ctx.status = mapped.status;
      ctx.set({ ...mapped.headers });
      ctx.body = mapped.body;
    }
  };
}
