import type { IncomingMessage, ServerResponse } from "node:http";
import { PoolTimeoutError, type SQLScope } from "@sqlscope/core";
import type { ErrorResponder } from "./types.ts";

/**
 * The HTTP status an error stands for: 503 when no connection was available in time (the client may
 * retry), 500 for everything else.
 *
 * @example
 * res.statusCode = statusForError(error); // 503 for PoolTimeoutError
 */
export function statusForError(error: unknown): number {
  return error instanceof PoolTimeoutError ? 503 : 500;
}

/** A short plain-text error response that leaks nothing about the database. */
export function sendPlainError(res: ServerResponse, status: number): void {
  // The server's internal details stay in the logs (onWarning); the client learns only what to do.
  const body =
    status === 503
      ? "Service Unavailable: the database is busy, retry the request.\n"
      : "Internal Server Error: the request's changes were not saved.\n";
  res.statusCode = status;
  res.setHeader("content-type", "text/plain; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(body));
  if (status === 503) res.setHeader("retry-after", "1");
  res.end(body);
}

/** The default responders report the error through the SQLScope's onWarning, then answer in plain text. */
export function defaultResponder(db: SQLScope, fixedStatus?: number): ErrorResponder {
  return (error: unknown, _req: IncomingMessage, res: ServerResponse) => {
    db.warn(error instanceof Error ? error : new Error(String(error)));
    sendPlainError(res, fixedStatus ?? statusForError(error));
  };
}
