/**
 * Every error sqlscope raises is an `SQLScopeError` with a stable `code` (match on it, never on the
 * message), an optional `cause`, and a message that says what to do about it.
 *
 * @example
 * try { await getSession().selectOne("SELECT * FROM users WHERE id = ?", [id]); }
 * catch (e) { if (e instanceof NotFoundError) return res.status(404).end(); throw e; }
 */
export class SQLScopeError extends Error {
  readonly code: string;
  /** True when re-running the whole unit of work may succeed (serialization failures, conflicts). */
  readonly retryable: boolean;

  constructor(code: string, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

/** `getSession()` was called where no scope is active. */
export class NoScopeError extends SQLScopeError {
  constructor(message?: string) {
    super(
      "ERR_SQLSCOPE_NO_SCOPE",
      message ??
        "getSession() was called outside a sqlscope scope. Mount the sqlscope middleware of your framework " +
          "(app.use(sqlscope(db))) before the route, or wrap scripts and jobs in db.runInScope(async () => ...). " +
          "If this runs in an event listener or callback, capture the session before registering it.",
    );
  }
}

/** A database key that was never registered with `add()`. */
export class UnknownKeyError extends SQLScopeError {
  constructor(key: string, known: readonly string[]) {
    super(
      "ERR_SQLSCOPE_UNKNOWN_KEY",
      `No database is registered under the key "${key}". Registered keys: ${known.length ? known.map((k) => `"${k}"`).join(", ") : "(none)"}. ` +
        `Register it with db.add(driver, { key: "${key}" }) or call getSession() with one of the registered keys.`,
    );
  }
}

/** Two databases registered under the same key. */
export class DuplicateKeyError extends SQLScopeError {
  constructor(key: string) {
    super(
      "ERR_SQLSCOPE_DUPLICATE_KEY",
      `A database is already registered under the key "${key}". Give each database its own key: db.add(driver, { key: "other" }).`,
    );
  }
}

/** An invalid option given to `add()`, `new SQLScope()` or a driver factory. */
export class ConfigError extends SQLScopeError {
  constructor(message: string, cause?: unknown) {
    super("ERR_SQLSCOPE_CONFIG", message, { cause });
  }
}

/** The same SQLScope mounted twice on one app (or a scope opened inside a scope of the same SQLScope). */
export class AlreadyRegisteredError extends SQLScopeError {
  constructor(message: string) {
    super("ERR_SQLSCOPE_ALREADY_REGISTERED", message);
  }
}

/** A session used after its scope finished (a floating promise, a timer, a stream still running). */
export class SessionClosedError extends SQLScopeError {
  constructor(key: string) {
    super(
      "ERR_SQLSCOPE_SESSION_CLOSED",
      `The session for "${key}" was used after its scope finished and its connection was returned. ` +
        "Await every query before the handler returns (look for a missing await or a timer), " +
        "or open a new scope with db.runInScope() for background work.",
    );
  }
}

/** `selectOne`/`selectValue` found no row. */
export class NotFoundError extends SQLScopeError {
  constructor(sql: string) {
    super(
      "ERR_SQLSCOPE_NOT_FOUND",
      `Expected exactly one row but the query returned none: ${preview(sql)}. Use selectOneOrNull() when no row is a normal outcome.`,
    );
  }
}

/** `selectOne`/`selectOneOrNull`/`selectValue` found more than one row. */
export class MultipleRowsError extends SQLScopeError {
  readonly rowCount: number;
  constructor(sql: string, rowCount: number) {
    super(
      "ERR_SQLSCOPE_MULTIPLE_ROWS",
      `Expected at most one row but the query returned ${rowCount}: ${preview(sql)}. Narrow the WHERE clause, add LIMIT 1, or use select().`,
    );
    this.rowCount = rowCount;
  }
}

/** No connection could be had within the pool's acquire deadline. */
export class PoolTimeoutError extends SQLScopeError {
  constructor(
    key: string,
    timeoutMs: number,
    stats: { borrowed: number; max: number; pending: number },
    cause?: unknown,
  ) {
    const why =
      cause !== undefined
        ? `the last attempt to connect failed: ${messageOf(cause)}. Check that the database is reachable.`
        : `all ${stats.max} connections are borrowed and ${stats.pending} requests are waiting. ` +
          "Raise pool.max, shorten transactions, or look for a leak (pool.leakDetectionMs reports the stack that took a connection).";
    super("ERR_SQLSCOPE_POOL_TIMEOUT", `No connection for "${key}" within ${timeoutMs} ms: ${why}`, {
      cause,
      retryable: true,
    });
  }
  /** Express's and Koa's default error handlers read these: an exhausted pool is a 503, not a 500. */
  readonly status = 503;
  readonly statusCode = 503;
  readonly expose = false;
}

/**
 * The commit at the end of a scope failed. Usually nothing was saved; when the connection was lost
 * during COMMIT the outcome is unknown (`inDoubt`): the server may have committed before the link broke.
 */
export class CommitFailedError extends SQLScopeError {
  /** True when the connection broke during COMMIT: the work may or may not be in the database. */
  readonly inDoubt: boolean;
  constructor(key: string, cause: unknown) {
    const inDoubt = cause instanceof SQLScopeError && cause.code === "ERR_SQLSCOPE_CONNECTION";
    super(
      "ERR_SQLSCOPE_COMMIT_FAILED",
      inDoubt
        ? `The connection of "${key}" was lost during COMMIT, so whether this scope's work was saved is unknown: ` +
            `${messageOf(cause)}. The client gets an error status; check the data (or make the request idempotent) before retrying.`
        : `The commit of "${key}" failed, so nothing this scope wrote to it was saved: ${messageOf(cause)}. ` +
            "The client gets an error status instead of the success it would have had; retry the request.",
      // An in-doubt commit is never retryable: re-running it could apply the work twice.
      { cause, retryable: !inDoubt && isRetryable(cause) },
    );
    this.inDoubt = inDoubt;
  }
}

/** A serialization failure, deadlock, write-write conflict or busy snapshot: re-run the whole unit of work. */
export class SerializationError extends SQLScopeError {
  constructor(
    message: string,
    cause?: unknown,
    advice = "Re-run the whole transaction (runInScope(fn, { retry }) does this).",
  ) {
    super("ERR_SQLSCOPE_SERIALIZATION", `${message} ${advice}`, {
      cause,
      retryable: true,
    });
  }
}

/** Parameters that do not match the placeholders of the SQL text. */
export class ParameterError extends SQLScopeError {
  constructor(message: string) {
    super("ERR_SQLSCOPE_PARAMETERS", message);
  }
}

/** The database rejected a statement. `driverCode` is the driver's own code (SQLSTATE, errno name, ...). */
export class QueryError extends SQLScopeError {
  readonly driverCode: string | undefined;
  readonly sql: string;
  constructor(sql: string, cause: unknown, code = "ERR_SQLSCOPE_QUERY") {
    super(code, `${messageOf(cause)} (in: ${preview(sql)})`, { cause });
    this.sql = sql;
    this.driverCode = driverCodeOf(cause);
  }
}

export type ConstraintKind = "unique" | "foreign_key" | "not_null" | "check" | "other";

/** Which constraint a violation broke, as far as the database says (PostgreSQL says the most, SQLite the least). */
export interface ConstraintDetails {
  /** The constraint's (or unique index's) name: PostgreSQL, MySQL/MariaDB; SQLite for a named CHECK. */
  readonly constraintName?: string | undefined;
  /** The table the violating row was written to. */
  readonly table?: string | undefined;
  /** The columns of the violated constraint, for the database that lists them. */
  readonly columns?: readonly string[] | undefined;
}

/**
 * A constraint violation (unique, foreign key, not null, check), with the same shape on every driver.
 * `constraint` is the kind; `constraintName`, `table` and `columns` tell which one, where the database
 * reports it, so "email taken" and "username taken" are told apart without a SELECT first.
 *
 * @example
 * if (error instanceof ConstraintError && error.constraint === "unique" && error.columns?.includes("email")) res.status(409);
 */
export class ConstraintError extends QueryError implements ConstraintDetails {
  /** The kind of constraint: "unique", "foreign_key", "not_null", "check" or "other". */
  readonly constraint: ConstraintKind;
  readonly constraintName: string | undefined;
  readonly table: string | undefined;
  readonly columns: readonly string[] | undefined;
  constructor(sql: string, cause: unknown, constraint: ConstraintKind, details: ConstraintDetails = {}) {
    super(sql, cause, "ERR_SQLSCOPE_CONSTRAINT");
    this.constraint = constraint;
    this.constraintName = details.constraintName;
    this.table = details.table;
    this.columns = details.columns;
  }
}

/** The connection broke (socket closed, server shut down, protocol lost). It was destroyed, not returned. */
export class ConnectionError extends SQLScopeError {
  constructor(key: string, cause: unknown) {
    super(
      "ERR_SQLSCOPE_CONNECTION",
      `The connection for "${key}" was lost: ${messageOf(cause)}. It was discarded; the next scope gets a new one.`,
      { cause, retryable: true },
    );
  }
}

/** Misuse of begin/commit/rollback/transaction (commit without begin, begin in autocommit mode, ...). */
export class TransactionError extends SQLScopeError {
  constructor(message: string) {
    super("ERR_SQLSCOPE_TRANSACTION", message);
  }
}

/** A feature the driver does not have (savepoints on DuckDB, streaming, ...). */
export class UnsupportedError extends SQLScopeError {
  constructor(message: string, cause?: unknown) {
    super("ERR_SQLSCOPE_UNSUPPORTED", message, { cause });
  }
}

/** A nested scope would take a second connection for a key its enclosing scope already holds. */
export class SecondConnectionError extends SQLScopeError {
  constructor(key: string) {
    super(
      "ERR_SQLSCOPE_SECOND_CONNECTION",
      `An isolated scope tried to take a second connection for "${key}" while an enclosing scope holds one from a ` +
        "pool of size 1; it would wait forever. Run the work after the enclosing scope finishes, drop { isolated: true } " +
        "to join the enclosing scope, or give the pool more than one connection.",
    );
  }
}

/** One problem a Standard Schema validator reported: what is wrong, and where (the column, for a row). */
export interface ValidationIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** A row that does not match the schema given to select(schema, ...), selectOne(schema, ...) and friends. */
export class RowValidationError extends SQLScopeError {
  /** Position of the offending row in the result (0 for selectOne). */
  readonly rowIndex: number;
  /** The column the first issue points at, when the validator gave a path. */
  readonly column: string | undefined;
  readonly issues: readonly ValidationIssue[];
  readonly sql: string;
  constructor(sql: string, rowIndex: number, issues: readonly ValidationIssue[]) {
    const first = issues[0];
    const column = first === undefined ? undefined : columnOf(first);
    const where = column === undefined ? "" : `column "${column}": `;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? "s" : ""})` : "";
    super(
      "ERR_SQLSCOPE_ROW_VALIDATION",
      `Row ${rowIndex} of ${preview(sql)} does not match the schema: ${where}${first?.message ?? "invalid"}${more}. ` +
        "Make the query return what the schema expects (column names, aliases, casts: drivers return bigint and numeric " +
        "columns differently) or widen the schema (coerce, nullable).",
    );
    this.rowIndex = rowIndex;
    this.column = column;
    this.issues = issues;
    this.sql = sql;
  }
}

/** An afterCommit/afterRollback hook that failed or timed out (reported through onWarning), or was registered too late. */
export class HookError extends SQLScopeError {
  constructor(message: string, cause?: unknown) {
    super("ERR_SQLSCOPE_HOOK", message, { cause });
  }
}

function columnOf(issue: ValidationIssue): string | undefined {
  if (issue.path === undefined || issue.path.length === 0) return undefined;
  return issue.path.map((segment) => String(typeof segment === "object" ? segment.key : segment)).join(".");
}

/** The message of an error, without a final period, for embedding in a sentence of ours. */
export function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.endsWith(".") ? message.slice(0, -1) : message;
}

export function isRetryable(error: unknown): boolean {
  return error instanceof SQLScopeError ? error.retryable : false;
}

function driverCodeOf(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "string" || typeof code === "number") return String(code);
  }
  return undefined;
}

function preview(sql: string): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}

/**
 * A new scope was refused because `db.close()` has begun: the process is shutting down. A 503 with
 * Retry-After in the adapters; the request may be retried on another instance.
 */
export class ShutdownError extends SQLScopeError {
  constructor() {
    super(
      "ERR_SQLSCOPE_SHUTTING_DOWN",
      "This SQLScope is closing (db.close() was called), so new scopes are refused while those in flight finish. " +
        "Stop sending requests to this process before closing it: call server.close() first and fail the load " +
        "balancer's health check, then db.close(); the client may retry on another instance.",
      { retryable: true },
    );
  }
  /** Read by Express, Koa and Fastify error handlers and by statusForError(): a 503, not a 500. */
  readonly status = 503;
  readonly statusCode = 503;
  readonly expose = false;
}

/** A write on a read-only key (a replica, or `readOnly: true`): the statement did not run. */
export class ReadOnlyError extends SQLScopeError {
  readonly key: string;
  constructor(key: string, replicaOf: string | undefined, cause: unknown) {
    const where =
      replicaOf !== undefined
        ? `"${key}" is a read replica of "${replicaOf}"; run writes on getSession("${replicaOf}") (getReadSession() is for reads only)`
        : `"${key}" is read-only (readOnly: true); run writes on a key that is not`;
    super(
      "ERR_SQLSCOPE_READ_ONLY",
      `A statement tried to write in a read-only transaction: ${messageOf(cause)}. ${where}.`,
      { cause },
    );
    this.key = key;
  }
}
