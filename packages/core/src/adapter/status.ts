// What a failure means for the response, decided by error `code`, never by `instanceof`: with two
// copies of @sqlscope/core loaded (see ../store.ts) an error made by one is no instance of the
// other's classes, and the client must still get the right status.

const POOL_TIMEOUT = "ERR_SQLSCOPE_POOL_TIMEOUT";
const PREFIX = "ERR_SQLSCOPE_";

/**
 * True when `error` was raised by sqlscope (any copy, any version): its `code` starts with
 * `ERR_SQLSCOPE_`. Its message may carry database details (SQL text, a host and port, the driver's
 * words), so it must not reach a client.
 *
 * @example
 * if (isSQLScopeError(error)) res.end(genericErrorBody(statusForError(error)));
 */
export function isSQLScopeError(error: unknown): error is Error & { readonly code: string } {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" && code.startsWith(PREFIX);
}

/** True when no connection could be had in time (`PoolTimeoutError`, matched by code). */
export function isPoolTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null | undefined)?.code === POOL_TIMEOUT;
}

/**
 * The HTTP status a failure stands for: 503 when the pool had no connection in time (the client may
 * retry), the error's own `status`/`statusCode` when it is an error status (the convention Express,
 * Koa and Fastify follow, e.g. `ctx.throw(409)`), else 500. Always 400-599: a thrown error never
 * settles as a success.
 *
 * @example
 * res.statusCode = statusForError(error); // 503 for a PoolTimeoutError
 */
export function statusForError(error: unknown): number {
  if (isPoolTimeout(error)) return 503;
  return ownErrorStatus(error) ?? 500;
}

/** The error's own `status` (or `statusCode`) when it is an integer 400-599. */
export function ownErrorStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === "number" ? status : statusCode;
  return typeof value === "number" && Number.isInteger(value) && value >= 400 && value <= 599 ? value : undefined;
}

/**
 * The plain-text body of a default error response: it says what the client can do and nothing about
 * the database. 503: retry; any other 5xx: the changes were not saved.
 *
 * @example
 * res.end(genericErrorBody(503)); // "Service Unavailable: the database is busy, retry the request.\n"
 */
export function genericErrorBody(status: number): string {
  if (status === 503) return "Service Unavailable: the database is busy, retry the request.\n";
  if (status >= 500) return "Internal Server Error: the request's changes were not saved.\n";
  return `${status} ${STATUS_TEXT[status] ?? "Error"}\n`;
}

// The 4xx a thrown error may carry; node:http's STATUS_CODES is not imported so this file stays
// usable on runtimes without node:http.
const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  410: "Gone",
  412: "Precondition Failed",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
};
