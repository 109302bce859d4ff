import { TransactionError, UnsupportedError, type DriverConnection, type QueryResult, type Row } from "@sqlscope/core";
import pg from "pg";
import Cursor from "pg-cursor";

/**
 * One pg Client. An 'error' listener is attached before connect, so a server restart or
 * pg_terminate_backend never crashes the process; the connection is marked broken and the pool
 * destroys it instead of handing it out again.
 */
export class PostgresConnection implements DriverConnection<pg.Client> {
  readonly raw: pg.Client;
  private _broken = false;
  /** The error that broke the connection, for diagnostics. */
  lastError: Error | undefined = undefined;
  private readonly batchSize: number;
  /** A cursor holds the connection: any other statement would queue behind it and wait forever. */
  private streaming = false;

  private constructor(client: pg.Client, batchSize: number) {
    this.raw = client;
    this.batchSize = batchSize;
    client.on("error", (error) => {
      this._broken = true;
      this.lastError = error;
    });
    client.on("end", () => {
      this._broken = true;
    });
  }

  /** Opens a connection; a failed connect closes the socket before rejecting. */
  static async open(config: pg.ClientConfig, batchSize: number): Promise<PostgresConnection> {
    const conn = new PostgresConnection(new pg.Client(config), batchSize);
    try {
      await conn.raw.connect();
    } catch (error) {
      await conn.close();
      throw error;
    }
    return conn;
  }

  get broken(): boolean {
    return this._broken;
  }

  /** Every statement goes through here, so none can queue behind an open cursor. */
  private send(sql: string, params?: readonly unknown[]): Promise<pg.QueryResult<Row>> {
    if (this.streaming) return Promise.reject(streamOpen());
    return this.raw.query<Row>(sql, params as unknown[] | undefined);
  }

  async query(sql: string, params: readonly unknown[]): Promise<QueryResult> {
    const result = await this.send(sql, params);
    return { rows: result.rows ?? [], rowsAffected: result.rowCount ?? 0, lastInsertId: undefined };
  }

  async *stream(sql: string, params: readonly unknown[]): AsyncIterable<Row> {
    if (this.streaming) throw streamOpen();
    const cursor = this.raw.query(new Cursor<Row>(sql, params as unknown[]));
    this.streaming = true;
    let failed = false;
    try {
      for (;;) {
        const rows = await cursor.read(this.batchSize);
        if (rows.length === 0) break;
        yield* rows;
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      try {
        // Closing a cursor that errored can wait for a ReadyForQuery that already went by.
        if (!failed && !this._broken) await cursor.close();
      } finally {
        this.streaming = false;
      }
    }
  }

  async executeScript(sql: string): Promise<void> {
    // Without parameters pg uses the simple query protocol, which runs several statements.
    await this.send(sql);
  }

  async begin(): Promise<void> {
    await this.send("BEGIN");
  }

  async commit(): Promise<void> {
    const result = await this.send("COMMIT");
    // PostgreSQL answers COMMIT of an aborted transaction with the tag ROLLBACK and no error.
    if (result.command === "ROLLBACK") {
      throw new TransactionError(
        "COMMIT became ROLLBACK because a statement in the transaction had failed (SQLSTATE 25P02), so nothing was saved. " +
          "Do not catch and ignore errors inside a transaction; wrap a statement that may fail in transaction(fn) (a savepoint).",
      );
    }
  }

  async rollback(): Promise<void> {
    await this.send("ROLLBACK");
  }

  async savepoint(name: string): Promise<void> {
    await this.send(`SAVEPOINT ${quote(name)}`);
  }

  async releaseSavepoint(name: string): Promise<void> {
    await this.send(`RELEASE SAVEPOINT ${quote(name)}`);
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    await this.send(`ROLLBACK TO SAVEPOINT ${quote(name)}`);
  }

  async validate(): Promise<boolean> {
    if (this._broken) return false;
    await this.send("SELECT 1");
    return true;
  }

  /** From the server's own ReadyForQuery status: 'T' in a transaction, 'E' in an aborted one. */
  inTransaction(): boolean {
    const status = this.raw.getTransactionStatus();
    return status === "T" || status === "E";
  }

  async close(): Promise<void> {
    this._broken = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      // end() waits for the server's goodbye; a half-dead socket may never send it.
      await Promise.race([
        this.raw.end().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 2_000);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function streamOpen(): UnsupportedError {
  return new UnsupportedError(
    "A statement ran on a session while a stream from it was still open. The connection sends one result at a time, " +
      "so the statement would wait for the stream forever. Finish (or break) the stream loop first, read the rows with " +
      "select() instead, or do the other work in another scope.",
  );
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
