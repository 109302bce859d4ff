import { statusForError } from "@sqlscope/node-http";
import { PoolTimeoutError } from "@sqlscope/core";
import type { ErrorRequestHandler } from "express";

/**
 * Error middleware that answers sqlscope's pool timeouts with 503 and Retry-After (the client may
 * retry) instead of Express's default 500. Other errors go on to the next error handler. Mount it
 * after your routes.
 *
 * @example
 * app.use(sqlscope(db));
 * app.use(routes);
 * app.use(sqlscopeErrors());
 */
export function sqlscopeErrors(): ErrorRequestHandler {
  return function sqlscopeErrorHandler(error: unknown, _req, res, next): void {
    if (!(error instanceof PoolTimeoutError) || res.headersSent) {
      next(error);
      return;
    }
    res.status(statusForError(error)).set("retry-after", "1").type("text/plain").send("Service Unavailable: the database is busy, retry the request.\n");
  };
}
