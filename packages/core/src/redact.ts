import { SQLScopeError } from "./errors.ts";

/**
 * Fields of an error that never hold a parameter value, kept on its redacted copy: ours, and the
 * drivers' codes (SQLSTATE, errno). Not PostgreSQL's `detail` ("Key (email)=(...) already exists").
 */
const SAFE_FIELDS = [
  "code",
  "driverCode",
  "retryable",
  "constraint",
  "inDoubt",
  "sql",
  "rowCount",
  "status",
  "errno",
  "sqlState",
  "severity",
] as const;

/**
 * What an event carries for an error. Database messages repeat parameter values ("Duplicate entry
 * 'a@b.example' for key 'email'", "invalid input syntax for type integer: \"abc\""), and events feed
 * traces and logs that leave the process: by default an error that wraps one (it has a cause) is
 * published as a copy with our class name, code, driver code and stack, a message that says what was
 * withheld, and its cause redacted the same way. sqlscope's own errors without a cause say nothing the caller did not write, and are
 * published as they are. `new SQLScope({ diagnostics: { errorMessages: true } })` publishes every
 * error unchanged.
 *
 * @example
 * publishedError(new QueryError("INSERT ...", dbError), false).message
 * // "QueryError (ERR_SQLSCOPE_QUERY, driver code 23505): the database's message is withheld ..."
 */
export function publishedError(error: unknown, full: boolean): Error {
  if (full && error instanceof Error) return error;
  return redacted(error, 0);
}

function redacted(error: unknown, depth: number): Error {
  if (error instanceof SQLScopeError && error.cause === undefined) return error;
  const source = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const name = error instanceof Error ? error.name : "Error";
  const code = typeof source.code === "string" || typeof source.code === "number" ? String(source.code) : undefined;
  const driverCode = typeof source.driverCode === "string" ? source.driverCode : undefined;
  const codes = [code, driverCode === undefined ? undefined : `driver code ${driverCode}`]
    .filter((c) => c !== undefined)
    .join(", ");
  const message =
    `${name}${codes === "" ? "" : ` (${codes})`}: the database's message is withheld from diagnostics because it may contain ` +
    "parameter values (new SQLScope({ diagnostics: { errorMessages: true } }) publishes it).";
  // Same prototype, so `instanceof QueryError` still holds for subscribers.
  const copy = Object.create(
    error instanceof Error ? (Object.getPrototypeOf(error) as object) : Error.prototype,
  ) as Error & Record<string, unknown>;
  const own = (key: string, value: unknown) =>
    Object.defineProperty(copy, key, {
      value,
      writable: true,
      configurable: true,
      enumerable: key !== "message" && key !== "stack",
    });
  own("message", message);
  own("name", name);
  for (const field of SAFE_FIELDS) if (source[field] !== undefined) own(field, field === "code" ? code : source[field]);
  // The original frames, under the redacted first line (V8 puts the message there).
  const frames =
    error instanceof Error && error.stack !== undefined
      ? error.stack.split("\n").filter((line) => line.startsWith("    at "))
      : [];
  own("stack", [`${name}: ${message}`, ...frames].join("\n"));
  // The cause chain, redacted the same way: a subscriber still sees SQLSTATE 40001 under a SerializationError.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause !== undefined && depth < 4) own("cause", redacted(cause, depth + 1));
  return copy;
}
