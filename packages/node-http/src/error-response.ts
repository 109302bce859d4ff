import type { IncomingMessage, ServerResponse } from "node:http";
import type { SQLScope } from "@sqlscope/core";
import { genericErrorBody, mappedError, statusForError, reportWarning } from "@sqlscope/core/adapter";
import type { ErrorResponder } from "./types.ts";

/**
 * A short plain-text error response that leaks nothing about the database: 503 (with Retry-After)
 * says retry, a 5xx that the request's changes were not saved.
 *
 * @example
 * if (!res.headersSent) sendPlainError(res, statusForError(error));
 */
export function sendPlainError(res: ServerResponse, status: number): void {
  // The server's internal details stay in the logs (onWarning); the client learns only what to do.
  const body = genericErrorBody(status);
  res.statusCode = status;
  res.setHeader("content-type", "text/plain; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(body));
  if (status === 503) res.setHeader("retry-after", "1");
  res.end(body);
}

/** The default responders report the error through the SQLScope's onWarning, then answer in plain text. */
export function defaultResponder(db: SQLScope): ErrorResponder {
  return (error: unknown, _req: IncomingMessage, res: ServerResponse) => {
    reportWarning(db, error instanceof Error ? error : new Error(String(error)));
    sendPlainError(res, statusForError(error));
  };
}

/**
 * An `onError` responder for `withScope` that answers sqlscope's own errors with the status they
 * stand for, in plain text that names nothing of the database: `NotFoundError` 404, a unique
 * violation 409, another `ConstraintError` 422, a pool timeout 503 with `Retry-After`, any other 500
 * (the 5xx go to onWarning). Every other error gets the default responder's answer.
 *
 * @example
 * http.createServer(withScope(db, handler, { onError: sqlscopeErrors(db) }));
 */
export function sqlscopeErrors(db: SQLScope): ErrorResponder {
  const fallback = defaultResponder(db);
  return (error: unknown, req: IncomingMessage, res: ServerResponse) => {
    const mapped = mappedError(error);
    if (mapped === undefined) return fallback(error, req, res);
    if (mapped.serverError) reportWarning(db, error);
    res.statusCode = mapped.status;
    for (const [name, value] of Object.entries(mapped.headers)) res.setHeader(name, value);
    res.setHeader("content-length", Buffer.byteLength(mapped.body));
    res.end(mapped.body);
  };
}
