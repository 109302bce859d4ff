import type { SQLScope } from "@sqlscope/core";
import { mappedError, reportWarning } from "@sqlscope/core/adapter";
import type { ErrorRequestHandler } from "express";

/**
 * Error middleware that answers sqlscope's own errors with the status they stand for and a short
 * plain-text body that says nothing of the database, whatever Express's `env`: `NotFoundError` 404,
 * a unique violation 409, another `ConstraintError` 422, a pool timeout 503 with `Retry-After`, any
 * other (a failed query, a lost connection, a `ParameterError`) 500. With `db`, the 5xx go to its
 * onWarning. Every other error goes on to the next error handler untouched. Mount it after your
 * routes; every one of these statuses rolls the request back.
 *
 * @example
 * app.use(sqlscope(db));
 * app.use(routes);
 * app.use(sqlscopeErrors(db));
 */
export function sqlscopeErrors(db?: SQLScope): ErrorRequestHandler {
  return function sqlscopeErrorHandler(error: unknown, _req, res, next): void {
    const mapped = mappedError(error);
    if (mapped === undefined || res.headersSent) {
      next(error);
      return;
    }
    if (mapped.serverError && db) reportWarning(db, error);
    res.status(mapped.status).set(mapped.headers).send(mapped.body);
  };
}
