import type { QueryResult, Row } from "@sqlscope/core";
import type { DriverConnection, TransactionIntent } from "@sqlscope/core/driver";
import { quoteDouble } from "@sqlscope/core/driver";
import Database from "better-sqlite3";
import { codeOf, isBusy, retryBusy } from "./busy.ts";
import type { ResolvedSqliteOptions } from "./options.ts";
import { resetInPlace, snapshotPragmas, type PragmaSnapshot } from "./session-reset.ts";
import { StatementCache, type CachedStatement } from "./statement-cache.ts";
import { upgradeFailed } from "./upgrade-error.ts";
import { toSqliteParams } from "./values.ts";
import type { WriteGate } from "./write-gate.ts";

/**
 * none: no transaction. pending: begin() was called but no statement ran yet, so nothing was sent:
 * the first statement decides between BEGIN DEFERRED (a read) and BEGIN IMMEDIATE (a write).
 * read: BEGIN DEFERRED ran. write: this connection holds the gate and SQLite's write lock.
 */
type TxState = "none" | "pending" | "read" | "write";

type Stmt = CachedStatement["stmt"];

/** The transaction-control statements, prepared once per connection. */
type Control = "BEGIN DEFERRED" | "BEGIN IMMEDIATE" | "COMMIT" | "ROLLBACK";

const SETTLED: Promise<void> = Promise.resolve();

/** One better-sqlite3 handle. The core drives the transaction sequence; this decides when to lock. */
export class SqliteConnection implements DriverConnection<Database.Database> {
  private readonly db: Database.Database;
  private readonly gate: WriteGate;
  private readonly options: ResolvedSqliteOptions;
  readonly statements: StatementCache;
  private state: TxState = "none";
  /** The open (or pending) transaction takes the gate at its first statement, a read included. */
  private immediate = false;
  /** The intent of the pending transaction's scope: what an upgrade failure tells the user to change. */
  private intent: TransactionIntent | undefined = undefined;
  private rowidStatement: Stmt | undefined = undefined;
  // db.exec() compiles its SQL on every call: ~1 us each for BEGIN and COMMIT on every request.
  private readonly controls = new Map<Control, Stmt>();

  /**
   * A statement that is not plain DML ran (PRAGMA, ATTACH, CREATE TEMP, a script, raw access): the
   * connection may carry state into the next scope, so it is cleaned before it is reused.
   */
  private dirty = false;
  /** `:memory:` only: the pragmas as opened, written back on reset (the database cannot be reopened). */
  private readonly pragmas: PragmaSnapshot | undefined;

  constructor(db: Database.Database, gate: WriteGate, options: ResolvedSqliteOptions) {
    this.db = db;
    this.gate = gate;
    this.options = options;
    this.statements = new StatementCache(db, options.statementCacheSize);
    this.pragmas = options.memory ? snapshotPragmas(db) : undefined;
  }

  /** The better-sqlite3 handle. Whatever is done with it is unknown to us, so the connection is cleaned on release. */
  get raw(): Database.Database {
    this.dirty = true;
    return this.db;
  }

  get broken(): boolean {
    return !this.db.open;
  }

  /** True when this connection holds its file's write gate. */
  get holdsGate(): boolean {
    return this.gate.heldBy === this;
  }

  /**
   * The statement now, when nothing is in the way (the core's synchronous fast path); undefined, with
   * nothing run, when query() must wait for the write gate or a busy file.
   */
  queryNow(sql: string, params: readonly unknown[]): QueryResult | undefined {
    const entry = this.statements.get(sql);
    const values = toSqliteParams(params);
    if (entry.readonly) {
      if (this.state === "none") {
        try {
          return this.execute(entry, values);
        } catch (error) {
          if (!isBusy(error)) throw error;
          return undefined;
        }
      }
      if (this.state === "pending" && !(this.immediate ? this.beginWriteNow() : this.beginReadNow())) return undefined;
      return this.execute(entry, values);
    }
    if (this.state === "write" || (this.state === "pending" && this.beginWriteNow()))
      return this.execute(entry, values);
    if (this.state === "none" && this.gate.tryAcquire(this)) {
      // An autocommit write (manual mode) holds the gate for this statement only.
      try {
        return this.execute(entry, values);
      } catch (error) {
        if (!isBusy(error)) throw error;
      } finally {
        this.gate.release(this);
      }
    }
    return undefined;
  }

  async query(sql: string, params: readonly unknown[]): Promise<QueryResult> {
    const now = this.queryNow(sql, params);
    if (now !== undefined) return now;
    const entry = this.statements.get(sql);
    const values = toSqliteParams(params);
    if (entry.readonly) {
      if (this.state === "none") return await this.retry(() => this.execute(entry, values));
      await this.beginRead();
      return this.execute(entry, values);
    }
    return await this.write(() => this.execute(entry, values));
  }

  async queryMany(sql: string, paramSets: readonly (readonly unknown[])[]): Promise<{ rowsAffected: number }> {
    const entry = this.statements.get(sql);
    const sets = paramSets.map(toSqliteParams);
    const runAll = () => {
      let rowsAffected = 0;
      for (const values of sets) rowsAffected += this.execute(entry, values).rowsAffected;
      return { rowsAffected };
    };
    if (entry.readonly) {
      if (this.state !== "none") await this.beginRead();
      return runAll();
    }
    return await this.write(runAll);
  }

  async *stream(sql: string, params: readonly unknown[]): AsyncGenerator<Row> {
    const cached = this.statements.get(sql);
    if (cached.changesSession) this.dirty = true;
    // A statement object can run one iteration at a time; a second stream of the same SQL gets its own.
    const stmt: Stmt = cached.stmt.busy ? this.db.prepare(sql) : cached.stmt;
    const values = toSqliteParams(params);
    if (!stmt.reader) {
      await this.query(sql, params);
      return;
    }
    let gateForThisStatement = false;
    if (stmt.readonly) {
      await this.beginRead();
    } else {
      gateForThisStatement = await this.enterWrite();
    }
    try {
      for (const row of stmt.iterate(...values)) yield row as Row;
    } finally {
      if (gateForThisStatement) this.gate.release(this);
    }
  }

  /** fn on the raw handle as `sql` would run in query(): in the transaction's lock, with the write gate for a write. */
  async runRaw<T>(sql: string, fn: (raw: Database.Database) => T | Promise<T>): Promise<T> {
    const entry = this.statements.get(sql);
    // The statement fn runs is `sql`: its kind, not the raw handle, says whether the connection may change.
    if (entry.changesSession) this.dirty = true;
    if (entry.readonly) {
      if (this.state === "none") return await this.retry(() => fn(this.db));
      await this.beginRead();
      return await fn(this.db);
    }
    return await this.write(() => fn(this.db));
  }

  async executeScript(sql: string): Promise<void> {
    // A script cannot be inspected statement by statement before it runs: a write, and it may change anything.
    this.dirty = true;
    await this.write(() => this.db.exec(sql));
  }

  // begin() and commit() are not async: their uncontended work is synchronous, and a shared settled
  // promise spares one promise per call (see docs/architecture.md on the hot path).
  beginNow(intent?: TransactionIntent): boolean {
    // Nothing is sent yet: the first statement sends BEGIN IMMEDIATE when the scope will write (or
    // always, or never, by the immediateTransactions option), else BEGIN DEFERRED for a read.
    this.state = "pending";
    this.intent = intent;
    const mode = this.options.immediate;
    this.immediate = mode === "always" || (mode === "intent" && intent === "write");
    return true;
  }

  begin(intent?: TransactionIntent): Promise<void> {
    this.beginNow(intent);
    return SETTLED;
  }

  /** Session.connection() hands the handle out: whatever it runs must be inside the transaction, and may write. */
  async prepareRaw(): Promise<void> {
    // (Reading `raw` afterwards marks the connection for cleaning.)
    if (this.state === "pending") await this.enterWrite();
  }

  /** COMMIT now; false (nothing done) when the file is busy and commit() must retry on timers. */
  commitNow(): boolean {
    if (this.state === "none" || this.state === "pending") {
      this.state = "none";
      return true;
    }
    let done: boolean;
    try {
      done = this.execNow("COMMIT");
    } catch (error) {
      this.afterCommit();
      throw error;
    }
    if (done) this.afterCommit();
    return done;
  }

  commit(): Promise<void> {
    try {
      if (this.commitNow()) return SETTLED;
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.commitRetrying();
  }

  private async commitRetrying(): Promise<void> {
    try {
      await this.retry(() => this.control("COMMIT"));
    } finally {
      this.afterCommit();
    }
  }

  // A failed COMMIT (a deferred foreign key) leaves the transaction open and the lock held.
  private afterCommit(): void {
    if (!this.db.open || !this.db.inTransaction) this.endTransaction();
  }

  rollbackNow(): boolean {
    try {
      if (this.db.open && this.db.inTransaction) this.control("ROLLBACK");
    } finally {
      if (!this.db.open || !this.db.inTransaction) this.endTransaction();
    }
    return true;
  }

  async rollback(): Promise<void> {
    this.rollbackNow();
  }

  async savepoint(name: string): Promise<void> {
    // SAVEPOINT outside BEGIN would open a transaction SQLite-side that bypasses the read/write decision.
    await this.beginRead();
    this.db.exec(`SAVEPOINT ${quoteDouble(name)}`);
  }

  async releaseSavepoint(name: string): Promise<void> {
    this.db.exec(`RELEASE SAVEPOINT ${quoteDouble(name)}`);
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    // ROLLBACK TO keeps the savepoint on SQLite's stack; releasing it keeps nested names from piling up.
    const quoted = quoteDouble(name);
    this.db.exec(`ROLLBACK TO SAVEPOINT ${quoted}; RELEASE SAVEPOINT ${quoted}`);
  }

  async validate(): Promise<boolean> {
    return this.db.open && this.execute(this.statements.get("SELECT 1"), []).rows.length === 1;
  }

  inTransaction(): boolean {
    return this.state !== "none" || (this.db.open && this.db.inTransaction);
  }

  needsReset(): boolean {
    return this.dirty;
  }

  /**
   * A file connection that ran more than DML is closed (the pool opens a fresh one: nothing a PRAGMA,
   * ATTACH, TEMP object or raw handle did can survive that). A `:memory:` one cannot be reopened, so it is
   * cleaned in place: attachments detached, TEMP objects dropped, connection pragmas written back.
   */
  async reset(): Promise<void> {
    if (this.pragmas === undefined || !this.db.open) {
      await this.close();
      return;
    }
    resetInPlace(this.db, this.pragmas, this.options.pragmas);
    this.dirty = false;
  }

  async close(): Promise<void> {
    this.state = "none";
    this.gate.release(this);
    this.statements.clear();
    this.controls.clear();
    if (this.db.open) this.db.close();
  }

  // ---------------------------------------------------------------- locking

  /** Runs a transaction-control statement. */
  private control(sql: Control): void {
    let stmt = this.controls.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      this.controls.set(sql, stmt);
    }
    stmt.run();
  }

  /** Runs a transaction-control statement once: false when SQLite was busy (the caller retries), other errors thrown. */
  private execNow(sql: Control): boolean {
    try {
      this.control(sql);
      return true;
    } catch (error) {
      if (isBusy(error)) return false;
      throw error;
    }
  }

  /** beginRead() without a promise when nothing is in the way; false when the caller must await beginRead(). */
  private beginReadNow(): boolean {
    if (!this.execNow("BEGIN DEFERRED")) return false;
    this.state = "read";
    return true;
  }

  /** The write transaction begin() promised, opened now when the gate is free; false when the caller must wait. */
  private beginWriteNow(): boolean {
    if (!this.gate.tryAcquire(this)) return false;
    let begun: boolean;
    try {
      begun = this.execNow("BEGIN IMMEDIATE");
    } catch (error) {
      this.gate.release(this);
      throw error;
    }
    // Busy (another process writes): keep the gate; write() retries BEGIN IMMEDIATE on timers.
    if (begun) this.state = "write";
    return begun;
  }

  /** Opens the read transaction begin() promised, if it was not opened yet. */
  private async beginRead(): Promise<void> {
    if (this.state !== "pending") return;
    if (this.immediate) {
      await this.enterWrite();
      return;
    }
    await this.retry(() => this.control("BEGIN DEFERRED"));
    this.state = "read";
  }

  /** Runs a writing statement with the gate held: for this statement only, or until the transaction ends. */
  private async write<T>(run: () => T): Promise<T> {
    const upgrading = this.state === "read";
    const gateForThisStatement = await this.enterWrite();
    if (gateForThisStatement) {
      try {
        return await this.retry(run);
      } finally {
        this.gate.release(this);
      }
    }
    try {
      return run();
    } catch (error) {
      // BUSY while upgrading a read transaction means SQLite gave no write lock (another writer committed
      // after our snapshot: BUSY_SNAPSHOT). The transaction is still only a reader, so others may write.
      if (upgrading && (isBusy(error) || codeOf(error) === "SQLITE_BUSY_SNAPSHOT")) {
        this.state = "read";
        this.gate.release(this);
        throw upgradeFailed(error, this.options.immediate === "never" ? "never" : this.intent);
      }
      throw error;
    }
  }

  /**
   * Takes the gate for a write. Returns true when the gate covers just one autocommit statement (the
   * caller releases it); false when the transaction now owns it until commit or rollback.
   */
  private async enterWrite(): Promise<boolean> {
    if (this.state === "write") return false;
    if (!this.gate.tryAcquire(this)) await this.gate.acquire(this, this.options.writeTimeoutMs);
    if (this.state === "none") return true;
    if (this.state === "pending") {
      try {
        await this.retry(() => this.control("BEGIN IMMEDIATE"));
      } catch (error) {
        this.gate.release(this);
        throw error;
      }
    }
    this.state = "write";
    return false;
  }

  private endTransaction(): void {
    this.state = "none";
    this.gate.release(this);
  }

  private retry<T>(run: () => T): Promise<T> {
    return retryBusy(run, this.options.busyTimeoutMs, (error) => this.lockedByOtherProcess(error));
  }

  private lockedByOtherProcess(error: unknown): unknown {
    const message =
      `${this.gate.label} stayed locked by another process (or another connection outside sqlscope) for longer than ` +
      `busyTimeoutMs (${this.options.busyTimeoutMs} ms). Find the process holding a long write transaction ` +
      "(a migration, a CLI, an open sqlite3 shell), or raise the sqlite() option busyTimeoutMs.";
    const wrapped = new Database.SqliteError(message, codeOf(error) ?? "SQLITE_BUSY");
    (wrapped as Error).cause = error;
    return wrapped;
  }

  // ---------------------------------------------------------------- statements

  private execute(entry: CachedStatement, values: readonly unknown[]): QueryResult {
    const stmt = entry.stmt;
    if (entry.changesSession) this.dirty = true;
    if (entry.reader) {
      const rows = stmt.all(...values) as Row[];
      if (entry.readonly) return { rows, rowsAffected: 0, lastInsertId: undefined };
      // INSERT/UPDATE/DELETE ... RETURNING: one returned row per changed row.
      return {
        rows,
        rowsAffected: rows.length,
        lastInsertId: entry.inserts && rows.length > 0 ? this.lastRowid() : undefined,
      };
    }
    const info = stmt.run(...values);
    return {
      rows: [],
      rowsAffected: info.changes,
      lastInsertId: entry.inserts && info.changes > 0 ? info.lastInsertRowid : undefined,
    };
  }

  private lastRowid(): number | bigint {
    this.rowidStatement ??= this.db.prepare("SELECT last_insert_rowid()").pluck();
    return this.rowidStatement.get() as number | bigint;
  }
}
