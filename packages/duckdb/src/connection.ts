import { ResultReturnType, type DuckDBConnection, type DuckDBInstance, type DuckDBMaterializedResult } from "@duckdb/node-api";
import { SerializationError, TransactionError, UnsupportedError, type DriverConnection, type QueryResult, type Row } from "@sqlscope/core";
import { classifyDuckDBError } from "./classify.ts";
import { narrowIntegers, toDuckDB } from "./values.ts";

/**
 * One DuckDB connection on a shared instance. DuckDB runs one statement at a time per connection
 * on the libuv threadpool; its optimistic concurrency makes a conflicting writer fail, not wait.
 */
export class DuckDBDriverConnection implements DriverConnection<DuckDBConnection> {
  readonly raw: DuckDBConnection;
  private readonly integers: "number" | "bigint";
  private closed = false;
  private txn = false;
  /** The error that aborted the open transaction: DuckDB then turns COMMIT into a silent rollback. */
  private abortedBy: unknown = undefined;
  /** DuckDB quietly ends an open streaming result when another statement runs on its connection. */
  private streaming = false;

  private constructor(raw: DuckDBConnection, integers: "number" | "bigint") {
    this.raw = raw;
    this.integers = integers;
  }

  static async open(instance: DuckDBInstance, integers: "number" | "bigint"): Promise<DuckDBDriverConnection> {
    return new DuckDBDriverConnection(await instance.connect(), integers);
  }

  get broken(): boolean {
    return this.closed;
  }

  private async run(sql: string, params: readonly unknown[] = []): Promise<DuckDBMaterializedResult> {
    // Running it would quietly end the open stream; refusing it keeps both honest.
    if (this.streaming) throw streamOpen();
    try {
      return await this.raw.run(sql, params.length > 0 ? toDuckDB(params) : undefined);
    } catch (error) {
      if (this.txn && this.abortedBy === undefined && (await this.isAborted())) this.abortedBy = error;
      throw error;
    }
  }

  /** Binder and parser errors leave a transaction usable; execution errors abort it. Ask DuckDB which. */
  private async isAborted(): Promise<boolean> {
    try {
      await this.raw.run("SELECT 1");
      return false;
    } catch (error) {
      return /transaction is aborted/i.test(error instanceof Error ? error.message : String(error));
    }
  }

  private rows(rows: Row[]): Row[] {
    return this.integers === "number" ? narrowIntegers(rows) : rows;
  }

  async query(sql: string, params: readonly unknown[]): Promise<QueryResult> {
    const result = await this.run(sql, params);
    if (result.returnType === ResultReturnType.QUERY_RESULT) {
      const rows = this.rows((await result.getRowObjectsJS()) as Row[]);
      return { rows, rowsAffected: rows.length, lastInsertId: undefined };
    }
    // CHANGED_ROWS results also carry a "Count" row; rowsChanged is the number that matters.
    return { rows: [], rowsAffected: result.rowsChanged, lastInsertId: undefined };
  }

  async *stream(sql: string, params: readonly unknown[]): AsyncIterable<Row> {
    if (this.streaming) throw streamOpen();
    this.streaming = true;
    try {
      const result = await this.raw.stream(sql, params.length > 0 ? toDuckDB(params) : undefined);
      for await (const batch of result.yieldRowObjectJs()) yield* this.rows(batch as Row[]);
    } finally {
      this.streaming = false;
    }
  }

  async executeScript(sql: string): Promise<void> {
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
    await this.raw.run("SELECT 1");
    return true;
  }

  inTransaction(): boolean {
    return this.txn;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.raw.closeSync();
  }
}

function streamOpen(): UnsupportedError {
  return new UnsupportedError(
    "A statement ran on a session while a DuckDB stream from it was still open; DuckDB would end the stream and drop its " +
      "remaining rows. Finish (or break) the stream loop first, read the rows with select() instead, or do the other work in another scope.",
  );
}

function noSavepoints(): UnsupportedError {
  return new UnsupportedError("DuckDB has no SAVEPOINT; run the work directly in the enclosing transaction.");
}
