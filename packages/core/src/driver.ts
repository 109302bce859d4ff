import type { ConstraintDetails, ConstraintKind } from "./errors.ts";
import type { PoolOptions } from "./pool/options.ts";
import type { SqlDialect } from "./sql.ts";

/** A row as the driver returns it: column name to value. */
export type Row = Record<string, unknown>;

/** What one statement did. `rows` is empty for statements that return nothing. */
export interface QueryResult<R = Row> {
  rows: R[];
  rowsAffected: number;
  /** The id the database generated for an INSERT, where the driver reports one (SQLite, MySQL). */
  lastInsertId: number | bigint | undefined;
}

/** Everything a driver knows about its SQL flavour. */
export interface Dialect extends SqlDialect {
  /** Whether SAVEPOINT works; nested transaction() throws UnsupportedError when it does not. */
  readonly savepoints: boolean;
  /** MySQL's comment and string rules for the placeholder parser (# comments, "-- " only before a space, /*! bodies). */
  readonly lexer?: "standard" | "mysql";
  /** Block comments nest (PostgreSQL, DuckDB); SQLite's and MySQL's end at the first `*\/`. */
  readonly nestedComments?: boolean;
  /** MySQL strings use backslash escapes; the placeholder parser must know. Implies lexer "mysql". */
  readonly backslashEscapes?: boolean;
  /**
   * The most bind parameters one statement may carry (PostgreSQL's protocol counts them in 16 bits:
   * 65,535). More is a ParameterError before anything is sent. Unset: no limit of the driver's own.
   */
  readonly maxParameters?: number;
  /** Connections implement beginReadOnly(), so a key may be `readOnly` or a replica. */
  readonly readOnlyTransactions?: boolean;
}

/** How the core should treat a driver error. */
/**
 * What a scope means to do, as a hint to drivers whose locking depends on it: "write" may write (on
 * SQLite its transaction takes the write lock at its first statement, so it never has to upgrade a
 * read snapshot later), "read" only reads. Drivers that lock per row (PostgreSQL, MySQL) ignore it.
 */
export type TransactionIntent = "read" | "write";

export interface ErrorClass {
  /**
   * serialization: retryable conflict; constraint: integrity violation; connection: the link is gone;
   * read_only: a write in a read-only transaction or on a read-only server (a hot standby).
   */
  kind: "serialization" | "constraint" | "connection" | "read_only" | "other";
  /** The connection cannot be trusted any more and must be destroyed instead of returned. */
  fatal: boolean;
  constraint?: ConstraintKind;
  /** For a constraint violation, what the database says about it (each where the database reports it). */
  details?: ConstraintDetails;
  /** For a serialization failure: what to do about it, when the driver knows better than "re-run it". */
  advice?: string;
}

/**
 * One physical connection. The core owns the transaction sequence; the driver only runs statements.
 * Methods never see `?`/`:name`: SQL arrives already in the dialect's native placeholder style.
 */
export interface DriverConnection<Raw = unknown> {
  /** The driver library's own connection object (the `connection()` escape hatch). */
  readonly raw: Raw;
  /** Set by the driver when an event (socket error, server shutdown) made the connection unusable. */
  readonly broken: boolean;
  query(sql: string, params: readonly unknown[]): Promise<QueryResult>;
  /** Several parameter sets for one statement; drivers may batch. */
  queryMany?(sql: string, paramSets: readonly (readonly unknown[])[]): Promise<{ rowsAffected: number }>;
  /** Rows one by one without loading the whole result. */
  stream(sql: string, params: readonly unknown[]): AsyncIterable<Row>;
  /** Several statements separated by semicolons, no parameters. */
  executeScript(sql: string): Promise<void>;
  /** Begins the scope's transaction; `intent` is the scope's, when it declared one (see TransactionIntent). */
  begin(intent?: TransactionIntent): Promise<void>;
  /** Begins a transaction that cannot write (`BEGIN READ ONLY`); required when the dialect says readOnlyTransactions. */
  beginReadOnly?(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /**
   * Optional synchronous fast paths, for drivers on a synchronous library (better-sqlite3). Each does
   * its work now and reports it, or declines (undefined / false) having changed nothing, and the core
   * awaits the async method instead. They throw what the async method would reject with. On Node 20
   * every promise pays for async_hooks once an AsyncLocalStorage exists, so a request that runs on
   * these takes no promise for its transaction at all.
   */
  queryNow?(sql: string, params: readonly unknown[]): QueryResult | undefined;
  /** True when the transaction began now. */
  beginNow?(intent?: TransactionIntent): boolean;
  /** True when the transaction committed now; false when commit() must be awaited (it would have to wait). */
  commitNow?(): boolean;
  /** True when the transaction rolled back now. */
  rollbackNow?(): boolean;
  /**
   * Runs `fn` on the raw connection as the statement `sql` would run through query(): for drivers that
   * must prepare first (SQLite: open the deferred transaction, take the write gate for a write) or that
   * track state per statement (MySQL). Without it, Session.withConnection() calls fn(raw) directly.
   */
  runRaw?<T>(sql: string, fn: (raw: Raw) => T | Promise<T>): Promise<T>;
  /**
   * Called before Session.connection() hands the raw connection out: open whatever the transaction
   * promised and has not sent yet (SQLite's deferred BEGIN), since raw calls bypass the driver.
   */
  prepareRaw?(): Promise<void>;
  savepoint(name: string): Promise<void>;
  releaseSavepoint(name: string): Promise<void>;
  rollbackToSavepoint(name: string): Promise<void>;
  /** A cheap liveness check (`SELECT 1`); false or a throw destroys the connection. */
  validate(): Promise<boolean>;
  /**
   * The driver's own view of whether a transaction is open, if it has one (pg's transaction status).
   * Checked before the connection goes back to the pool.
   */
  inTransaction?(): boolean;
  /**
   * Clears what a scope left in the session (settings, roles, temporary objects, locks, prepared
   * statements) before the connection is reused, after any open transaction was rolled back. A
   * rejection, or a connection `broken` afterwards, destroys it instead: a driver that cannot undo
   * some state closes the connection here.
   */
  reset?(): Promise<void>;
  /**
   * Whether reset() has anything to do now (absent: always). False lets the pool put the connection
   * straight back without a promise, so a driver that can prove a scope changed nothing pays nothing.
   * A driver must answer true whenever it cannot prove that: a miss carries one request's state into
   * the next.
   */
  needsReset?(): boolean;
  /** Closes the physical connection. Must not throw for an already broken connection. */
  close(): Promise<void>;
}

/**
 * A configured database: what `sqlite({...})`, `postgres({...})` and friends return, given to `db.add()`.
 * Adding a driver is writing one of these: see packages/sqlite for the file shape.
 */
export interface Driver<Raw = unknown> {
  /** Short name used in messages and events ("sqlite", "postgres"). */
  readonly name: string;
  readonly dialect: Dialect;
  /** Pool settings this driver prefers (SQLite `:memory:` needs max 1, for example). */
  readonly pool?: Partial<PoolOptions>;
  connect(): Promise<DriverConnection<Raw>>;
  classifyError(error: unknown): ErrorClass;
  /** Releases driver-wide resources after every connection is closed (DuckDB instances, SQLite gates). */
  close?(): Promise<void>;
}
