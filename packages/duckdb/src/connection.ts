import {
  ResultReturnType,
  StatementType,
  type DuckDBConnection,
  type DuckDBInstance,
  type DuckDBMaterializedResult,
  type DuckDBPreparedStatement,
} from "@duckdb/node-api";
import { SerializationError, TransactionError, UnsupportedError, type QueryResult, type Row } from "@sqlscope/core";
import { type DriverConnection } from "@sqlscope/core/driver";
import { classifyDuckDBError } from "./classify.ts";
import { exactValues, narrowIntegers, toDuckDB } from "./values.ts";

/**
 * One DuckDB connection on a shared instance. DuckDB runs one statement at a time per connection
 * on the libuv threadpool; its optimistic concurrency makes a conflicting writer fail, not wait.
 */
/**
 * Statements that only read or write rows, by DuckDB's own parser. Any other (SET, SET VARIABLE, USE,
 * CREATE TEMP ..., PREPARE, PRAGMA, CALL, ...) may leave state on the connection, which is then
 * closed on release instead of reused: opening another on the same instance costs ~50 us.
 */
const ROWS_ONLY: ReadonlySet<StatementType> = new Set([
  StatementType.SELECT,
  StatementType.INSERT,
  StatementType.UPDATE,
  StatementType.DELETE,
  StatementType.MERGE_INTO,
]);

export class DuckDBDriverConnection implements DriverConnection<DuckDBConnection> {
  private readonly connection: DuckDBConnection;
  private readonly integers: "number" | "bigint";
  private closed = false;
  private txn = false;
  /** The error that aborted the open transaction: DuckDB then turns COMMIT into a silent rollback. */
  private abortedBy: unknown = undefined;
  /** DuckDB quietly ends an open streaming result when another statement runs on its connection. */
  private streaming = false;
  /** A statement other than plain DML ran, a script, or the raw connection was handed out. */
  private dirty = false;

  private constructor(connection: DuckDBConnection, integers: "number" | "bigint") {
    this.connection = connection;
    this.integers = integers;
  }

  /** The DuckDB connection. Whatever is done with it is unknown to us, so it is not reused after this scope. */
  get raw(): DuckDBConnection {
    this.dirty = true;
    return this.connection;
  }

  static async open(instance: DuckDBInstance, integers: "number" | "bigint"): Promise<DuckDBDriverConnection> {
    return new DuckDBDriverConnection(await instance.connect(), integers);
  }

  get broken(): boolean {
    return this.closed;
  }

  /** Transaction control and scripts: the text is ours, or trusted (executeScript) and may hold several statements. */
  private async run(sql: string): Promise<DuckDBMaterializedResult> {
    // Running it would quietly end the open stream; refusing it keeps both honest.
    if (this.streaming) throw streamOpen();
    try {
      return await this.connection.run(sql);
    } catch (error) {
      await this.noteFailure(error);
      throw error;
    }
  }

  /**
   * One statement through prepare, which refuses a second one (connection.run would execute every
   * statement of the text, and with parameters all but the last without them).
   */
  private async prepare(sql: string, params: readonly unknown[]): Promise<DuckDBPreparedStatement> {
    if (this.streaming) throw streamOpen();
    let prepared: DuckDBPreparedStatement;
    try {
      prepared = await this.connection.prepare(sql);
    } catch (error) {
      await this.noteFailure(error);
      throw oneStatement(error, sql);
    }
    if (!ROWS_ONLY.has(prepared.statementType)) this.dirty = true;
    try {
      if (params.length > 0) prepared.bind(toDuckDB(params));
    } catch (error) {
      prepared.destroySync();
      throw error;
    }
    return prepared;
  }

  private async noteFailure(error: unknown): Promise<void> {
    if (this.txn && this.abortedBy === undefined && (await this.isAborted())) this.abortedBy = error;
  }

  /** Binder and parser errors leave a transaction usable; execution errors abort it. Ask DuckDB which. */
  private async isAborted(): Promise<boolean> {
    try {
      await this.connection.run("SELECT 1");
      return false;
    } catch (error) {
      return /transaction is aborted/i.test(error instanceof Error ? error.message : String(error));
    }
  }

  private rows(rows: Row[]): Row[] {
    return this.integers === "number" ? narrowIntegers(rows) : rows;
  }

  async query(sql: string, params: readonly unknown[]): Promise<QueryResult> {
    const prepared = await this.prepare(sql, params);
    let result: DuckDBMaterializedResult;
    try {
      result = await prepared.run();
    } catch (error) {
      await this.noteFailure(error);
      throw error;
    } finally {
      prepared.destroySync();
    }
    if (result.returnType === ResultReturnType.QUERY_RESULT) {
      const rows = this.rows((await result.convertRowObjects(exactValues)) as Row[]);
      return { rows, rowsAffected: rows.length, lastInsertId: undefined };
    }
    // CHANGED_ROWS results also carry a "Count" row; rowsChanged is the number that matters.
    return { rows: [], rowsAffected: result.rowsChanged, lastInsertId: undefined };
  }

  async *stream(sql: string, params: readonly unknown[]): AsyncIterable<Row> {
    const prepared = await this.prepare(sql, params);
    this.streaming = true;
    try {
      const result = await prepared.stream();
      for await (const batch of result.yieldConvertedRowObjects(exactValues)) yield* this.rows(batch as Row[]);
    } finally {
      this.streaming = false;
      prepared.destroySync();
    }
  }

  /** Several statements; trusted text only (schema set-up, migrations). It may change anything. */
  async executeScript(sql: string): Promise<void> {
    this.dirty = true;
    await this.run(sql);
  }

  async begin(): Promise<void> {
    await this.run("BEGIN TRANSACTION");
    this.txn = true;
    this.abortedBy = undefined;
  }

  async commit(): Promise<void> {
    const cause = this.abortedBy;
    if (cause !== undefined) {
      await this.rollback();
      const why = `an earlier statement failed and aborted the transaction, so COMMIT would silently roll back: ${cause instanceof Error ? cause.message : String(cause)}.`;
      throw classifyDuckDBError(cause).kind === "serialization"
        ? new SerializationError(`The DuckDB transaction was not committed: ${why}`, cause)
        : new TransactionError(
            `The DuckDB transaction was not committed: ${why} Do not catch and ignore errors inside a transaction; let the scope fail instead.`,
          );
    }
    await this.run("COMMIT");
    this.txn = false;
  }

  async rollback(): Promise<void> {
    await this.run("ROLLBACK");
    this.txn = false;
    this.abortedBy = undefined;
  }

  savepoint(): Promise<void> {
    return Promise.reject(noSavepoints());
  }

  releaseSavepoint(): Promise<void> {
    return Promise.reject(noSavepoints());
  }

  rollbackToSavepoint(): Promise<void> {
    return Promise.reject(noSavepoints());
  }

  async validate(): Promise<boolean> {
    if (this.closed || this.streaming) return false;
    await this.connection.run("SELECT 1");
    return true;
  }

  inTransaction(): boolean {
    return this.txn;
  }

  needsReset(): boolean {
    return this.dirty;
  }

  /**
   * Session state (SET VARIABLE, search_path, TEMP tables and macros, prepared statements) lives and
   * dies with the connection: close it, and the pool opens a fresh one on the same instance.
   * Instance-wide changes (ATTACH, SET GLOBAL) are not session state and stay: see docs/security.md.
   */
  async reset(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connection.closeSync();
  }
}

function streamOpen(): UnsupportedError {
  return new UnsupportedError(
    "A statement ran on a session while a DuckDB stream from it was still open; DuckDB would end the stream and drop its " +
      "remaining rows. Finish (or break) the stream loop first, read the rows with select() instead, or do the other work in another scope.",
  );
}

/** DuckDB's "Cannot prepare multiple statements at once", said with its fix. */
function oneStatement(error: unknown, sql: string): unknown {
  if (!(error instanceof Error) || !/multiple statements at once/i.test(error.message)) return error;
  return new UnsupportedError(
    "The SQL text holds more than one statement (DuckDB also expands a PIVOT without an IN list into several); " +
      "execute(), select() and friends run exactly one, so none of it ran. Run each statement on its own, list the " +
      "PIVOT values (ON col IN (...)), or use executeScript() for a trusted script (never with user input): " +
      sql.replace(/\s+/g, " ").slice(0, 120),
    error,
  );
}

function noSavepoints(): UnsupportedError {
  return new UnsupportedError("DuckDB has no SAVEPOINT; run the work directly in the enclosing transaction.");
}
