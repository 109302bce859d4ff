import { genericErrorBody, isSQLScopeError, statusForError } from "./status.ts";

/** The answer an adapter's error mapper (`sqlscopeErrors()`) sends for one of sqlscope's errors. */
export interface MappedError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Plain text that says what the client can do and nothing of the database. */
  readonly body: string;
  /** A 5xx: the app's bug or the database's trouble, worth a warning; a 4xx is the client's. */
  readonly serverError: boolean;
}

const TEXT = "text/plain; charset=utf-8";

/**
 * What an HTTP client should get for one of sqlscope's errors, matched by `code` (any copy of core):
 * `NotFoundError` 404; a unique violation 409, any other `ConstraintError` (not null, check, foreign
 * key) 422; `PoolTimeoutError` 503 with `Retry-After: 1`; every other sqlscope error its status (500
 * unless it carries one), `ParameterError` included: its values do not match the SQL's placeholders,
 * which the app's code must fix (check input before it reaches SQL), not the client. `undefined` for
 * errors that are not sqlscope's: the adapter leaves them to the app's error handling.
 *
 * @example
 * const mapped = mappedError(error);
 * if (mapped === undefined) return next(error);
 * res.status(mapped.status).set(mapped.headers).send(mapped.body);
 */
export function mappedError(error: unknown): MappedError | undefined {
  if (!isSQLScopeError(error)) return undefined;
  const status = statusOf(error);
  const headers: Record<string, string> = { "content-type": TEXT };
  if (status === 503) headers["retry-after"] = "1";
  return { status, headers, body: genericErrorBody(status), serverError: status >= 500 };
}

function statusOf(error: Error & { readonly code: string }): number {
  switch (error.code) {
    case "ERR_SQLSCOPE_NOT_FOUND":
      return 404;
    case "ERR_SQLSCOPE_CONSTRAINT":
      return (error as { constraint?: unknown }).constraint === "unique" ? 409 : 422;
    default:
      return statusForError(error);
  }
}
