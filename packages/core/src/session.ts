import { channels, publishedError } from "./diagnostics.ts";
import type { Driver, DriverConnection, QueryResult, Row } from "./driver.ts";
import {
  CommitFailedError,
  ConnectionError,
  ConstraintError,
  MultipleRowsError,
  NotFoundError,
  QueryError,
  SecondConnectionError,
  SerializationError,
  SessionClosedError,
  SQLScopeError,
  TransactionError,
  UnsupportedError,
} from "./errors.ts";
import { bindParams, compileSql, tooManyParameters, type Params, type ParseOptions } from "./placeholders.ts";
import type { Hook } from "./hooks.ts";
import type { CommitPolicy, Decision } from "./policy.ts";
import { RELEASED, type ConnectionPool, type Lease } from "./pool.ts";
import { isSchema, validateOne, validateRows, type InferOutput, type StandardSchema } from "./schema.ts";
import { ReadOnlyError } from "./replicas.ts";
import { compileFragment, isSql, type Sql } from "./sql.ts";
import type { Scope } from "./scope.ts";

/** One registered database: what `add()` built. */
export interface DatabaseEntry {
  readonly key: string;
  readonly driver: Driver;
  readonly pool: ConnectionPool;
  readonly policy: CommitPolicy;
  readonly parse: ParseOptions;
  /** Sessions begin READ ONLY (a replica, or `readOnly: true`). */
  readonly readOnly: boolean;
  /** The primary's key when this is its replica. */
  readonly replicaOf: string | undefined;
}

/** SQL text with `?` or `:name` placeholders, or a fragment built with the `sql` tag. */
export type Query = string | Sql;

/** How a session ended, as `finish()` reports it. */
export interface SettleResult {
  readonly key: string;
  readonly action: "none" | "commit" | "rollback";
  /** Set when the commit failed (the scope's outcome becomes a failure) or a rollback failed. */
  readonly error?: SQLScopeError;
  /** Manual mode: a transaction was still open when the scope ended. */
  readonly leftOpen?: boolean;
}

/**
 * A scope's handle on one database. Created lazily by getSession(); takes a connection only when the
 * first statement runs, and in autocommit modes begins the scope's transaction then.
 *
 * @example
 * const s = getSession();
 * const { lastInsertId } = await s.execute("INSERT INTO users (email) VALUES (?)", [email]);
 * const user = await s.selectOne<User>("SELECT * FROM users WHERE id = :id", { id: lastInsertId });
 */
export class Session {
  readonly key: string;
  private readonly entry: DatabaseEntry;
  private readonly scope: Scope;
  private lease: Lease | undefined = undefined;
  private opening: Promise<DriverConnection> | undefined = undefined;
  private closed = false;
  /** 0: no transaction; 1: a transaction; n > 1: n - 1 savepoints inside it. */
  private depth = 0;
  /** transaction(fn) calls running; commit()/rollback() inside one would break its bookkeeping. */
  private callbacks = 0;
  /** A begin/commit/rollback failed: nobody knows what the server holds, so the connection is destroyed. */
  private unknownState = false;
  private inflight = 0;
  /** stream() loops open on this session; any other statement meanwhile is refused. */
  private streams = 0;
  private idleWaiter: (() => void) | undefined = undefined;
  /** performance.now() when the lease was taken: hold time for figures and the release event. */
  private heldSince = 0;

  constructor(entry: DatabaseEntry, scope: Scope) {
    this.entry = entry;
    this.key = entry.key;
    this.scope = scope;
  }

  /** True once the session holds (or is taking) a connection: finish() has work to do. */
  get active(): boolean {
    return this.lease !== undefined || this.opening !== undefined || this.inflight > 0;
  }

  /** The commit policy of this session's key. */
  get policy(): CommitPolicy {
    return this.entry.policy;
  }

  /** True when a transaction (or savepoint) is open on this session. */
  get inTransaction(): boolean {
    return this.depth > 0;
  }

  /** True after the scope finished: every method throws SessionClosedError. */
  get isClosed(): boolean {
    return this.closed;
  }

  // ---------------------------------------------------------------- statements

  /**
   * Runs one statement. Returns affected rows, the generated id where the driver reports one, and rows
   * (for RETURNING).
   *
   * @example
   * await getSession().execute("UPDATE users SET name = :name WHERE id = :id", { id, name });
   */
  // Not async, and select*/selectOne* without a schema neither: on Node 20 every promise and every await
  // pays for async_hooks, so the statement's own promise is the one the caller gets.
  execute<R = Row>(query: Query, params?: Params): Promise<QueryResult<R>> {
    return this.run(query, params, "result") as Promise<QueryResult<R>>;
  }

  /**
   * All rows of a query. Given a Standard Schema validator (zod, valibot, arktype, ...) first, every
   * row is validated and the schema's output returned; a row that does not match throws RowValidationError.
   *
   * @example
   * const users = await s.select<User>("SELECT * FROM users");
   * const typed = await s.select(z.object({ id: z.number(), email: z.string() }), "SELECT id, email FROM users");
   */
  select<S extends StandardSchema>(schema: S, query: Query, params?: Params): Promise<InferOutput<S>[]>;
  select<R = Row>(query: Query, params?: Params): Promise<R[]>;
  select(first: Query | StandardSchema, second?: Query | Params, third?: Params): Promise<unknown[]> {
    // Strings first: the untyped path pays one typeof check.
    if (typeof first === "string" || !isSchema(first)) return this.run(first, second as Params | undefined, "rows") as Promise<unknown[]>;
    return this.selectValidated(first, second as Query, third);
  }

  private async selectValidated(schema: StandardSchema, query: Query, params: Params | undefined): Promise<unknown[]> {
    return validateRows(schema, (await this.run(query, params, "rows")) as Row[], textOf(query));
  }

  /** Exactly one row: NotFoundError when none, MultipleRowsError when several. Takes a schema first, like select(). */
  selectOne<S extends StandardSchema>(schema: S, query: Query, params?: Params): Promise<InferOutput<S>>;
  selectOne<R = Row>(query: Query, params?: Params): Promise<R>;
  selectOne(first: Query | StandardSchema, second?: Query | Params, third?: Params): Promise<unknown> {
    if (typeof first === "string" || !isSchema(first)) return this.run(first, second as Params | undefined, "one");
    return this.selectOneValidated(first, second as Query, third);
  }

  private async selectOneValidated(schema: StandardSchema, query: Query, params: Params | undefined): Promise<unknown> {
    return validateOne(schema, await this.run(query, params, "one"), textOf(query));
  }

  /** One row or null: MultipleRowsError when several. Takes a schema first, like select() (null is not validated). */
  selectOneOrNull<S extends StandardSchema>(schema: S, query: Query, params?: Params): Promise<InferOutput<S> | null>;
  selectOneOrNull<R = Row>(query: Query, params?: Params): Promise<R | null>;
  selectOneOrNull(first: Query | StandardSchema, second?: Query | Params, third?: Params): Promise<unknown> {
    if (typeof first === "string" || !isSchema(first)) return this.run(first, second as Params | undefined, "oneOrNull");
    return this.selectOneOrNullValidated(first, second as Query, third);
  }

  private async selectOneOrNullValidated(schema: StandardSchema, query: Query, params: Params | undefined): Promise<unknown> {
    const row = await this.run(query, params, "oneOrNull");
    return row === null ? null : validateOne(schema, row, textOf(query));
  }

  /**
   * The first column of the one row. With a schema first, the value is validated by it.
   *
   * @example
   * const n = await s.selectValue<number>("SELECT count(*) FROM users");
   * const m = await s.selectValue(z.coerce.number(), "SELECT count(*) FROM users"); // pg returns count as a string
   */
  selectValue<S extends StandardSchema>(schema: S, query: Query, params?: Params): Promise<InferOutput<S>>;
  selectValue<V = unknown>(query: Query, params?: Params): Promise<V>;
  async selectValue(first: Query | StandardSchema, second?: Query | Params, third?: Params): Promise<unknown> {
    const [schema, query, params] = splitArgs(first, second, third);
    const row = await this.selectOne<Row>(query, params);
    for (const column in row) return schema === undefined ? row[column] : validateOne(schema, row[column], textOf(query));
    throw new NotFoundError(textOf(query));
  }

  /** Registers fn to run after this session's scope committed. Same as the free afterCommit(fn). */
  afterCommit(fn: Hook): void {
    this.scope.afterCommit(fn);
  }

  /** Registers fn to run after this session's scope rolled back. Same as the free afterRollback(fn). */
  afterRollback(fn: Hook): void {
    this.scope.afterRollback(fn);
  }

  /**
   * The same statement once per parameter set, on one connection, in order.
   *
   * @example
   * await s.executeMany("INSERT INTO tags (name) VALUES (?)", [["a"], ["b"]]);
   */
  async executeMany(query: string, paramSets: readonly Params[]): Promise<{ rowsAffected: number }> {
    this.enter();
    try {
      const compiled = compileSql(query, this.entry.parse);
      const sets = paramSets.map((p) => this.limited(bindParams(compiled, p, query)));
      const conn = this.lease?.conn ?? (await this.open());
      const t0 = this.startStatement();
      try {
        let rowsAffected = 0;
        if (conn.queryMany !== undefined) rowsAffected = (await conn.queryMany(compiled.text, sets)).rowsAffected;
        else for (const set of sets) rowsAffected += (await conn.query(compiled.text, set)).rowsAffected;
        this.endStatement(t0, compiled.text, 0, rowsAffected, undefined);
        return { rowsAffected };
      } catch (error) {
        const mapped = this.mapError(error, query);
        this.endStatement(t0, compiled.text, 0, 0, mapped);
        throw mapped;
      }
    } finally {
      this.leave();
    }
  }

  /** Several statements separated by semicolons (schema set-up, migrations). No parameters. */
  async executeScript(script: string): Promise<void> {
    this.enter();
    try {
      const conn = this.lease?.conn ?? (await this.open());
      const t0 = this.startStatement();
      try {
        await conn.executeScript(script);
        this.endStatement(t0, script, 0, 0, undefined);
      } catch (error) {
        const mapped = this.mapError(error, script);
        this.endStatement(t0, script, 0, 0, mapped);
        throw mapped;
      }
    } finally {
      this.leave();
    }
  }

  /**
   * Rows one at a time, without loading the whole result. Finish (or break out of) the loop before
   * the scope ends.
   *
   * @example
   * for await (const row of getSession().stream("SELECT * FROM events")) write(row);
   */
  async *stream<R = Row>(query: Query, params?: Params): AsyncGenerator<R> {
    this.enter();
    try {
      const { text, values } = this.prepare(query, params);
      const conn = this.lease?.conn ?? (await this.open());
      const t0 = this.startStatement();
      let rows = 0;
      let failure: unknown;
      this.streams++;
      try {
        for await (const row of conn.stream(text, values)) {
          if (this.closed && this.lease === undefined) throw new SessionClosedError(this.key);
          rows++;
          yield row as R;
        }
      } catch (error) {
        failure = this.mapError(error, textOf(query));
        throw failure;
      } finally {
        // Also reached when the consumer breaks out of the loop early.
        this.streams--;
        this.endStatement(t0, text, rows, 0, failure);
      }
    } finally {
      this.leave();
    }
  }

  /** The driver's own connection (pg Client, better-sqlite3 Database, ...) inside this scope's transaction. */
  async connection<Raw = unknown>(): Promise<Raw> {
    this.enter();
    try {
      const conn = this.lease?.conn ?? (await this.open());
      // Raw access can commit anything: a retry must not re-run it unless a transaction contains it.
      if (this.depth === 0) this.scope.recordDurable();
      return conn.raw as Raw;
    } finally {
      this.leave();
    }
  }

  /**
   * One statement through the driver library's own API, on this session's connection and inside its
   * transaction, for integrations that must call the driver as their own driver would (rows as arrays,
   * their own type parsers: @sqlscope/drizzle). Counted, reported, error-mapped and waited for at the end
   * of the scope like any statement; `sql` is its text for events, errors and the driver's locking
   * (SQLite takes its write gate for a writing statement first).
   *
   * @example
   * const res = await s.withConnection("SELECT 1", (client: pg.Client) => client.query({ text: "SELECT 1", rowMode: "array" }));
   */
  async withConnection<T, Raw = unknown>(sql: string, fn: (raw: Raw) => T | Promise<T>): Promise<T> {
    this.enter();
    try {
      const conn = this.lease?.conn ?? (await this.open());
      const t0 = this.startStatement();
      try {
        const run = fn as (raw: unknown) => T | Promise<T>;
        const result = await (conn.runRaw === undefined ? run(conn.raw) : conn.runRaw(sql, run));
        this.endStatement(t0, sql, 0, 0, undefined);
        return result;
      } catch (error) {
        const mapped = this.mapError(error, sql);
        this.endStatement(t0, sql, 0, 0, mapped);
        throw mapped;
      }
    } finally {
      this.leave();
    }
  }

  /**
   * Runs one statement and returns what `shape` asks for: the result, its rows, or its one row. Not
   * async: when the connection is at hand and the driver can run the statement now (queryNow), the
   * only promise is the one returned. Errors always come back as a rejection, never thrown.
   */
  private run(query: Query, params: Params | undefined, shape: Shape): Promise<unknown> {
    try {
      this.enter();
    } catch (error) {
      return Promise.reject(error);
    }
    let text: string;
    let values: readonly unknown[];
    let conn: DriverConnection | undefined;
    try {
      ({ text, values } = this.prepare(query, params));
      conn = this.lease?.conn ?? this.openNow();
    } catch (error) {
      this.leave();
      return Promise.reject(error);
    }
    if (conn?.queryNow === undefined) return this.runLater(conn, text, values, query, shape, NOT_STARTED);
    const t0 = this.startStatement();
    let result: QueryResult | undefined;
    try {
      result = conn.queryNow(text, values);
    } catch (error) {
      return Promise.reject(this.statementFailed(error, t0, text));
    }
    if (result === undefined) return this.runLater(conn, text, values, query, shape, t0);
    this.statementDone(t0, text, result);
    this.leave();
    try {
      return Promise.resolve(shaped(result, query, shape));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // Then-chains rather than async/await from here on: with an AsyncLocalStorage in the process (Node
  // 20), every await makes an extra promise that pays the async_hooks toll; then() makes one.

  /** run() once it has to wait: for the connection, or for a driver that answers asynchronously. */
  private runLater(
    conn: DriverConnection | undefined,
    text: string,
    values: readonly unknown[],
    query: Query,
    shape: Shape,
    started: number,
  ): Promise<unknown> {
    if (conn !== undefined) return this.runOn(conn, text, values, query, shape, started);
    let opening: Promise<DriverConnection>;
    try {
      opening = this.open();
    } catch (error) {
      this.leave();
      return Promise.reject(error);
    }
    return opening.then(
      (c) => this.runOn(c, text, values, query, shape, started),
      (error: unknown) => {
        this.leave();
        throw error;
      },
    );
  }

  private runOn(conn: DriverConnection, text: string, values: readonly unknown[], query: Query, shape: Shape, started: number): Promise<unknown> {
    const t0 = started === NOT_STARTED ? this.startStatement() : started;
    let pending: Promise<QueryResult>;
    try {
      pending = conn.query(text, values);
    } catch (error) {
      return Promise.reject(this.statementFailed(error, t0, text));
    }
    return pending.then(
      (result) => {
        this.statementDone(t0, text, result);
        this.leave();
        return shaped(result, query, shape);
      },
      (error: unknown) => {
        throw this.statementFailed(error, t0, text);
      },
    );
  }

  /** The statement failed: reports it, ends the call, and returns the error to throw. */
  private statementFailed(error: unknown, t0: number, text: string): unknown {
    const mapped = this.mapError(error, text);
    if (t0 >= 0) this.endStatement(t0, text, 0, 0, mapped);
    this.leave();
    return mapped;
  }

  private statementDone(t0: number, text: string, result: QueryResult): void {
    if (t0 >= 0) this.endStatement(t0, text, result.rows.length, result.rowsAffected, undefined);
    else if (this.depth === 0) this.scope.recordDurable();
  }

  /** Counts the statement; returns the start time only when someone listens on the query channel, else -1. */
  private startStatement(): number {
    this.scope.recordStatement();
    return channels.query.hasSubscribers ? performance.now() : -1;
  }

  private endStatement(t0: number, sql: string, rows: number, rowsAffected: number, error: unknown): void {
    // Outside a transaction (manual mode) a statement that succeeded is committed for good.
    if (error === undefined && this.depth === 0) this.scope.recordDurable();
    if (t0 < 0 || !channels.query.hasSubscribers) return;
    channels.query.publish({
      scope: this.scope,
      key: this.key,
      driver: this.entry.driver.name,
      sql,
      durationMs: performance.now() - t0,
      rows,
      rowsAffected,
      ...(error === undefined ? {} : { error: publishedError(error, this.scope.registry.errorMessages) }),
    });
  }

  private publishEnd(action: Decision, t0: number, error: unknown): void {
    const channel = action === "commit" ? channels.commit : channels.rollback;
    if (t0 < 0 || !channel.hasSubscribers) return;
    channel.publish({
      scope: this.scope,
      key: this.key,
      driver: this.entry.driver.name,
      durationMs: performance.now() - t0,
      ...(error === undefined ? {} : { error: publishedError(error, this.scope.registry.errorMessages) }),
    });
  }

  private prepare(query: Query, params: Params | undefined): { text: string; values: readonly unknown[] } {
    if (typeof query === "string") {
      const compiled = compileSql(query, this.entry.parse);
      return { text: compiled.text, values: this.limited(bindParams(compiled, params, query)) };
    }
    if (!isSql(query)) {
      throw new TypeError("A query must be SQL text or a sql`...` fragment.");
    }
    if (params !== undefined) {
      throw new TypeError("A sql`...` fragment carries its own values; do not pass parameters with it.");
    }
    const { text, params: values } = compileFragment(query, this.entry.driver.dialect);
    return { text, values: this.limited(values) };
  }

  /** Values within the driver's parameter limit; more would overflow its protocol mid-send. */
  private limited(values: readonly unknown[]): readonly unknown[] {
    const max = this.entry.driver.dialect.maxParameters;
    if (max !== undefined && values.length > max) throw tooManyParameters(this.entry.driver.name, values.length, max);
    return values;
  }

  // ---------------------------------------------------------------- transactions

  /**
   * Manual mode: begins a transaction. In autocommit modes the scope already runs one; use transaction(fn).
   */
  async begin(): Promise<void> {
    this.enter();
    try {
      this.requireManual("begin()");
      if (this.depth > 0) {
        throw new TransactionError(`A transaction is already open on "${this.key}". Use transaction(fn) to nest one (a savepoint).`);
      }
      const conn = this.lease?.conn ?? (await this.open());
      await this.control(conn, () => conn.begin());
      this.depth = 1;
    } finally {
      this.leave();
    }
  }

  /** Manual mode: commits the transaction begin() opened. */
  async commit(): Promise<void> {
    await this.endManual("commit");
  }

  /** Manual mode: rolls back the transaction begin() opened. */
  async rollback(): Promise<void> {
    await this.endManual("rollback");
  }

  /**
   * Runs fn in a transaction: commits when it resolves, rolls back when it throws (and rethrows).
   * Inside another transaction (including the scope's own in autocommit modes) it is a savepoint, so a
   * failure undoes only fn's work.
   *
   * @example
   * await s.transaction(async () => {
   *   await s.execute("UPDATE accounts SET balance = balance - ? WHERE id = ?", [amount, from]);
   *   await s.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", [amount, to]);
   * });
   */
  async transaction<T>(fn: (session: Session) => Promise<T> | T): Promise<T> {
    this.enter();
    let conn!: DriverConnection;
    let savepoint: string | undefined;
    try {
      conn = this.lease?.conn ?? (await this.open());
      if (this.depth === 0) {
        await this.control(conn, () => conn.begin());
      } else {
        if (!this.entry.driver.dialect.savepoints) {
          throw new UnsupportedError(
            `${this.entry.driver.name} has no savepoints, so transaction(fn) cannot nest inside the transaction of "${this.key}". ` +
              "Run the work directly in the enclosing transaction.",
          );
        }
        savepoint = `sqlscope_sp_${this.depth}`;
        const name = savepoint;
        await this.control(conn, () => conn.savepoint(name));
      }
      this.depth++;
      this.callbacks++;
    } finally {
      this.leave();
    }
    let result: T;
    try {
      result = await fn(this);
    } catch (error) {
      this.callbacks--;
      this.depth--;
      if (!this.closed || this.lease !== undefined) {
        const name = savepoint;
        await this.control(conn, () => (name === undefined ? conn.rollback() : conn.rollbackToSavepoint(name))).catch(() => {
          // control() marked the state unknown; the error that matters to the caller is fn's.
        });
      }
      throw error;
    }
    this.callbacks--;
    this.depth--;
    if (this.closed && this.lease === undefined) throw new SessionClosedError(this.key);
    const name = savepoint;
    const t0 = name === undefined ? clock(channels.commit.hasSubscribers) : -1;
    try {
      await this.control(conn, () => (name === undefined ? conn.commit() : conn.releaseSavepoint(name)));
    } catch (error) {
      if (name === undefined) {
        const failed = new CommitFailedError(this.key, error);
        this.publishEnd("commit", t0, failed);
        throw failed;
      }
      throw error;
    }
    if (name === undefined) {
      this.scope.recordDurable();
      this.publishEnd("commit", t0, undefined);
    }
    return result;
  }

  private async endManual(action: "commit" | "rollback"): Promise<void> {
    this.enter();
    try {
      this.requireManual(`${action}()`);
      if (this.callbacks > 0) {
        throw new TransactionError(`${action}() was called inside transaction(fn) on "${this.key}"; return from fn (or throw) to end it.`);
      }
      if (this.depth === 0 || this.lease === undefined) {
        throw new TransactionError(`${action}() on "${this.key}" without an open transaction; call begin() first.`);
      }
      const conn = this.lease.conn;
      this.depth = 0;
      const t0 = clock((action === "commit" ? channels.commit : channels.rollback).hasSubscribers);
      try {
        await this.control(conn, () => (action === "commit" ? conn.commit() : conn.rollback()));
      } catch (error) {
        const failed = action === "commit" ? new CommitFailedError(this.key, error) : error;
        this.publishEnd(action, t0, failed);
        throw failed;
      }
      if (action === "commit") this.scope.recordDurable();
      this.publishEnd(action, t0, undefined);
    } finally {
      this.leave();
    }
  }

  private requireManual(what: string): void {
    if (this.entry.policy.mode !== "manual") {
      throw new TransactionError(
        `${what} is for commit: "manual"; "${this.key}" uses commit: "${this.entry.policy.mode}", where the scope's transaction ` +
          "ends by its outcome. Use transaction(fn) for a unit that commits or rolls back on its own.",
      );
    }
  }

  /** Runs a transaction-control statement; if it fails, the connection's state is unknown. */
  private async control(conn: DriverConnection, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.unknownState = true;
      throw this.mapError(error, "transaction control");
    }
  }

  // ---------------------------------------------------------------- connection lifecycle

  private enter(): void {
    if (this.closed) throw new SessionClosedError(this.key);
    // One connection runs one query at a time: pg and mysql2 would queue this behind the open cursor
    // forever, DuckDB would cut the stream short, better-sqlite3 throws "busy". One clear error for all.
    if (this.streams > 0) {
      throw new UnsupportedError(
        `A statement was started on "${this.key}" while a stream() of the same session is still open; one connection ` +
          "runs one query at a time. Finish (or break out of) the stream loop first, or read the rows with select().",
      );
    }
    if (this.scope.onActive !== undefined) {
      // The adapter may end the scope here (its response already ended or the client left).
      this.scope.activate();
      if (this.closed) throw new SessionClosedError(this.key);
    }
    this.inflight++;
  }

  private leave(): void {
    if (--this.inflight === 0 && this.idleWaiter !== undefined) {
      const wake = this.idleWaiter;
      this.idleWaiter = undefined;
      wake();
    }
  }

  private open(): Promise<DriverConnection> {
    if (this.opening === undefined) {
      // Checked before `opening` is set: a rejected `opening` would mark the session as holding a connection.
      const pool = this.entry.pool;
      if (this.scope.parent !== undefined && pool.options.max === 1 && this.scope.ancestorHolds(this.entry)) {
        return Promise.reject(new SecondConnectionError(this.key));
      }
      this.opening = this.acquire();
    }
    return this.opening;
  }

  /**
   * A warm connection free and, in autocommit modes, a driver that begins synchronously: the
   * connection at once, with no promise. Otherwise undefined, and the caller awaits open() (which also
   * reports a second connection in a nested scope); when a lease was taken but BEGIN must be awaited
   * (or failed), open() returns that work.
   */
  private openNow(): DriverConnection | undefined {
    if (this.opening !== undefined || this.scope.parent !== undefined) return undefined;
    const t0 = performance.now();
    const lease = this.entry.pool.tryAcquire();
    if (lease === undefined) return undefined;
    this.took(lease, t0, t0);
    if (this.entry.policy.mode !== "manual") {
      let begun: boolean;
      try {
        begun = !this.entry.readOnly && (lease.conn.beginNow?.() ?? false);
      } catch (error) {
        this.opening = this.beginFailed(lease, error);
        return undefined;
      }
      if (!begun) {
        this.opening = this.beginOn(lease);
        return undefined;
      }
      this.depth = 1;
    }
    this.lease = lease;
    return lease.conn;
  }

  private took(lease: Lease, t0: number, now: number): void {
    this.heldSince = now;
    this.scope.recordAcquire(this.key, now - t0);
    if (channels.acquire.hasSubscribers) {
      channels.acquire.publish({ scope: this.scope, key: this.key, driver: this.entry.driver.name, waitMs: now - t0 });
    }
  }

  /** Takes a connection and begins the transaction on it. */
  private acquire(): Promise<DriverConnection> {
    const pool = this.entry.pool;
    const t0 = performance.now();
    const lease = pool.tryAcquire();
    if (lease !== undefined) {
      // A warm connection took no time to get: one clock read fewer.
      this.took(lease, t0, t0);
      return this.beginOn(lease);
    }
    return pool.acquire().then(
      (taken) => {
        this.took(taken, t0, performance.now());
        return this.beginOn(taken);
      },
      (error: unknown) => {
        this.opening = undefined;
        if (channels.acquire.hasSubscribers) {
          channels.acquire.publish({ scope: this.scope, key: this.key, driver: this.entry.driver.name, waitMs: performance.now() - t0, error: publishedError(error, this.scope.registry.errorMessages) });
        }
        throw error;
      },
    );
  }

  /**
   * Begins the scope's transaction on a connection just taken (manual mode: none). The lease is
   * published only after BEGIN: a statement arriving meanwhile waits on `opening` instead of running
   * outside the transaction (a driver's begin may wait on a write gate).
   */
  private beginOn(lease: Lease): Promise<DriverConnection> {
    if (this.entry.policy.mode === "manual") {
      this.lease = lease;
      return Promise.resolve(lease.conn);
    }
    let begun: Promise<void>;
    try {
      begun = this.entry.readOnly ? beginReadOnly(lease.conn) : lease.conn.begin();
    } catch (error) {
      return this.beginFailed(lease, error);
    }
    return begun.then(
      () => {
        this.depth = 1;
        this.lease = lease;
        return lease.conn;
      },
      (error: unknown) => this.beginFailed(lease, error),
    );
  }

  // Nothing ran on this connection yet; drop it so the next statement starts a clean transaction.
  private async beginFailed(lease: Lease, error: unknown): Promise<never> {
    this.opening = undefined;
    const mapped = this.mapError(error, "BEGIN");
    this.unknownState = false;
    await this.giveBack(lease, true);
    throw mapped;
  }

  /** True when this session holds or is taking a connection from `pool`. */
  holds(entry: DatabaseEntry): boolean {
    return this.entry.pool === entry.pool && (this.lease !== undefined || this.opening !== undefined);
  }

  private mapError(error: unknown, sql: string): unknown {
    if (error instanceof SQLScopeError) return error;
    const cls = this.entry.driver.classifyError(error);
    if (cls.fatal) this.unknownState = true;
    switch (cls.kind) {
      case "serialization":
        return new SerializationError(`"${this.key}" hit a serialization failure or conflict: ${(error as Error)?.message ?? String(error)}.`, error);
      case "connection":
        return new ConnectionError(this.key, error);
      case "constraint":
        return new ConstraintError(sql, error, cls.constraint ?? "other", cls.details);
      case "read_only":
        return new ReadOnlyError(this.key, this.entry.replicaOf, error);
      default:
        return new QueryError(sql, error);
    }
  }

  private waitIdle(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiter = undefined;
        resolve(false);
      }, ms);
      this.idleWaiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** Stops new statements; running ones finish. Called by the scope before it settles. */
  close(): void {
    this.closed = true;
  }

  /**
   * settle() without waiting for anything of this scope: no statement running and no connection being
   * taken. Commits or rolls back (synchronously when the driver can: commitNow/rollbackNow) and gives
   * the connection back; returns the result, or a promise of it when the driver or the pool answers
   * later. Undefined, having changed nothing, when settle() must wait first. Never throws or rejects.
   */
  settleNow(decision: Decision): SettleResult | Promise<SettleResult> | undefined {
    if (this.inflight > 0 || (this.opening !== undefined && this.lease === undefined)) return undefined;
    this.closed = true;
    const lease = this.lease;
    if (lease === undefined) return { key: this.key, action: "none" };
    if (this.depth === 0) return this.handBack(lease, { key: this.key, action: "none" });
    const conn = lease.conn;
    const manual = this.entry.policy.mode === "manual";
    const action: Decision = manual ? "rollback" : decision;
    this.depth = 0;
    const t0 = clock((action === "commit" ? channels.commit : channels.rollback).hasSubscribers);
    const now = action === "commit" ? conn.commitNow : conn.rollbackNow;
    if (now !== undefined) {
      let done: boolean;
      try {
        done = now.call(conn);
      } catch (error) {
        return this.afterEnd(lease, action, manual, t0, { error });
      }
      if (done) return this.afterEnd(lease, action, manual, t0, undefined);
    }
    let ending: Promise<void>;
    try {
      ending = action === "commit" ? conn.commit() : conn.rollback();
    } catch (error) {
      return this.afterEnd(lease, action, manual, t0, { error });
    }
    return ending.then(
      () => this.afterEnd(lease, action, manual, t0, undefined),
      (error: unknown) => this.afterEnd(lease, action, manual, t0, { error }),
    );
  }

  private afterEnd(
    lease: Lease,
    action: Decision,
    manual: boolean,
    t0: number,
    failure: { error: unknown } | undefined,
  ): SettleResult | Promise<SettleResult> {
    const result = this.ended(action, manual, failure);
    this.publishEnd(action, t0, result.error);
    return this.handBack(lease, result);
  }

  /** Returns the connection exactly once (destroyed when its state is unknown), then answers `result`. */
  private handBack(lease: Lease, result: SettleResult): SettleResult | Promise<SettleResult> {
    this.lease = undefined;
    this.opening = undefined;
    const returning = this.giveBack(lease, this.unknownState);
    return returning === undefined ? result : returning.then(() => result);
  }

  /** What a commit or rollback at the end of the scope came to. */
  private ended(action: Decision, manual: boolean, failure: { error: unknown } | undefined): SettleResult {
    if (failure === undefined) {
      if (action === "commit") this.scope.recordDurable();
      return manual ? { key: this.key, action, leftOpen: true } : { key: this.key, action };
    }
    this.unknownState = true;
    const mapped = this.mapError(failure.error, action.toUpperCase());
    return {
      key: this.key,
      action,
      error: action === "commit" ? new CommitFailedError(this.key, mapped) : (mapped as SQLScopeError),
      ...(manual ? { leftOpen: true } : {}),
    };
  }

  /**
   * Ends the session: waits for running statements, commits or rolls back per `decision`, returns the
   * connection exactly once (destroying it when its state is unknown). Never throws.
   */
  async settle(decision: Decision, waitMs: number): Promise<SettleResult> {
    this.closed = true;
    const stillRunning = this.inflight > 0 && !(await this.waitIdle(waitMs));
    if (this.opening !== undefined && this.lease === undefined) {
      await this.opening.catch(() => undefined);
    }
    const lease = this.lease;
    if (lease === undefined) return { key: this.key, action: "none" };
    if (!stillRunning) {
      // Nothing runs any more and no statement can start (the session is closed), so settleNow()
      // does not decline here; should it ever, the connection is destroyed below, never kept.
      const settled = this.settleNow(decision);
      if (settled !== undefined) return await settled;
    }
    // A statement or stream outlived its scope by waitMs: the connection is busy and its state
    // unknown, so nothing can be committed; destroying it makes the server roll back.
    this.unknownState = true;
    this.depth = 0;
    return this.handBack(lease, {
      key: this.key,
      action: "rollback",
      error: new TransactionError(
        `A statement or stream on "${this.key}" was still running ${waitMs} ms after its scope ended, so the scope's ` +
          "work was rolled back. Await every query (and finish every stream loop) before the handler returns.",
      ),
    });
  }

  // Not async, and undefined when the connection went back at once (the pool's warm path): no promise
  // and no await per request where async_hooks make every one cost (Node 20).
  private giveBack(lease: Lease, destroy: boolean): Promise<void> | undefined {
    const now = performance.now();
    const holdMs = now - this.heldSince;
    this.scope.recordRelease(holdMs, now);
    const released = this.entry.pool.release(lease, destroy);
    if (!channels.release.hasSubscribers) return released === RELEASED ? undefined : released;
    return released.then(() => {
      channels.release.publish({ scope: this.scope, key: this.key, driver: this.entry.driver.name, holdMs, destroyed: destroy });
    });
  }
}

/** What run() returns: the whole result, its rows, exactly one row, or one row or null. */
type Shape = "result" | "rows" | "one" | "oneOrNull";

/** run() handed over before the statement was counted as started. */
const NOT_STARTED = -2;

// Shaped after the statement's bookkeeping: NotFoundError is the caller's expectation failing, not the statement.
function shaped(result: QueryResult, query: Query, shape: Shape): unknown {
  switch (shape) {
    case "result":
      return result;
    case "rows":
      return result.rows;
    case "one":
      if (result.rows.length === 1) return result.rows[0];
      if (result.rows.length === 0) throw new NotFoundError(textOf(query));
      throw new MultipleRowsError(textOf(query), result.rows.length);
    case "oneOrNull":
      if (result.rows.length > 1) throw new MultipleRowsError(textOf(query), result.rows.length);
      return result.rows[0] ?? null;
  }
}

// A driver that claims read-only transactions but cannot begin one must not begin a writable one.
function beginReadOnly(conn: DriverConnection): Promise<void> {
  if (conn.beginReadOnly === undefined) throw new UnsupportedError("The driver's connections cannot begin a read-only transaction.");
  return conn.beginReadOnly();
}

function clock(listening: boolean): number {
  return listening ? performance.now() : -1;
}

/** (schema, query, params) or (query, params): the schema, when given, comes first. */
function splitArgs(
  first: Query | StandardSchema,
  second: Query | Params | undefined,
  third: Params | undefined,
): [StandardSchema | undefined, Query, Params | undefined] {
  if (typeof first === "string" || !isSchema(first)) return [undefined, first, second as Params | undefined];
  return [first, second as Query, third];
}

function textOf(query: Query): string {
  return typeof query === "string" ? query : query.strings.join("?");
}
