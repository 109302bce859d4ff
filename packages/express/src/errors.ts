import type { SQLScope } from "@sqlscope/core";
import { genericErrorBody, isSQLScopeError, statusForError, reportWarning } from "@sqlscope/core/adapter";
import type { ErrorRequestHandler } from "express";

/**
 * Error middleware for sqlscope's own errors (a pool timeout, a failed query, a connection lost):
 * answers them with a short plain-text body that says nothing about the database (503 with
 * Retry-After for a pool timeout, the client may retry; 500 otherwise), whatever Express's `env`.
 * With `db`, the error goes to its onWarning. Other errors go on to the next error handler. Mount it
 * after your routes.
 *
 * @example
 * app.use(sqlscope(db));
 * app.use(routes);
 * app.use(sqlscopeErrors(db));
 */
export function sqlscopeErrors(db?: SQLScope): ErrorRequestHandler {
  return function sqlscopeErrorHandler(error: unknown, _req, res, next): void {
    if (!isSQLScopeError(error) || res.headersSent) {
      next(error);
      return;
    }
    db && reportWarning(db, error);
    const status = statusForError(error);
    if (status === 503) res.set("retry-after", "1");
    res.status(status).type("text/plain").send(genericErrorBody(status));
  };
}
