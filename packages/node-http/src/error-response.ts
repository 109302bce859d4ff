import type { IncomingMessage, ServerResponse } from "node:http";
import type { SQLScope } from "@sqlscope/core";
import { genericErrorBody, statusForError, reportWarning } from "@sqlscope/core/adapter";
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
