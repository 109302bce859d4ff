import type { MiddlewareHandler } from "hono";
import type { SQLScope } from "@sqlscope/core";
import { mappedError, reportWarning } from "@sqlscope/core/adapter";
import { replace } from "./replace.ts";

/**
 * Hono middleware that answers sqlscope's own errors (from a handler or a later middleware, which
 * Hono hands to `app.onError` and keeps in `c.error`) with the status they stand for and a short
 * plain-text body that says nothing of the database: `NotFoundError` 404, a unique violation 409,
 * another `ConstraintError` 422, a pool timeout 503 with `Retry-After`, any other (a failed query or
 * commit, a lost connection, a `ParameterError`) 500. With `db`, the 5xx go to its onWarning. The
 * response `app.onError` made for every other error is left untouched. Mount it before `sqlscope(db)`.
 *
 * @example
 * app.use(sqlscopeErrors(db));
 * app.use(sqlscope(db));
 * app.get("/users/:id", async (c) => c.json(await c.var.session.selectOne("SELECT * FROM users WHERE id = ?", [c.req.param("id")])));
 */
export function sqlscopeErrors(db?: SQLScope): MiddlewareHandler {
  return async function sqlscopeErrorMiddleware(c, next) {
    await next();
    const mapped = c.error === undefined ? undefined : mappedError(c.error);
    if (mapped === undefined) return;
    if (mapped.serverError && db) reportWarning(db, c.error);
    replace(c, new Response(mapped.body, { status: mapped.status, headers: mapped.headers }));
  };
}
