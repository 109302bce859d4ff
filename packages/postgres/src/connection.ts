import { TransactionError, UnsupportedError, type QueryResult, type Row } from "@sqlscope/core";
import { type DriverConnection } from "@sqlscope/core/driver";
import pg from "pg";
import Cursor from "pg-cursor";
import { refuseSessionState, type PoolerSettings } from "./pooler.ts";
import { mayChangeSession } from "./session-text.ts";

/** What the pool needs to know from the driver options. */
export interface PostgresConnectionSettings {
  readonly streamBatchSize: number;
  /** true: DISCARD ALL after any statement; "auto": after one that may have changed the session. */
  readonly resetOnRelease: boolean | "auto";
  /** Set behind a transaction-pooling PgBouncer (see pooler.ts). */
  readonly pooler: PoolerSettings | undefined;
}

/**
 * One pg Client. An 'error' listener is attached before connect, so a server restart or
 * pg_terminate_backend never crashes the process; the connection is marked broken and the pool
 * destroys it instead of handing it out again.
 */
export class PostgresConnection implements DriverConnection<pg.Client> {
  private readonly client: pg.Client;
  private _broken = false;
  /** The error that broke the connection, for diagnostics. */
  lastError: Error | undefined = undefined;
  private readonly settings: PostgresConnectionSettings;
  /** A cursor holds the connection: any other statement would queue behind it and wait forever. */
  private streaming = false;
  /** A statement of a scope ran since the last DISCARD ALL (resetOnRelease: true resets then). */
  private used = false;
  /**
   * Since the last DISCARD ALL, a statement whose text may change the session ran, the raw client was
   * taken, or the server reported a changed setting (ParameterStatus: TimeZone, DateStyle, role and
   * session authorization, application_name, ... even when a function or trigger changed it).
   * resetOnRelease "auto" resets then.
   */
  private dirty = false;
  private readonly auto: boolean;
  /** The raw client was handed out: it may hold named prepared statements pg caches client-side. */
  private rawTaken = false;
  /** DISCARD ALLs sent, for diagnostics and tests. */
  resets = 0;

  private constructor(client: pg.Client, settings: PostgresConnectionSettings) {
    this.client = client;
    this.settings = settings;
    this.auto = settings.resetOnRelease === "auto";
    client.on("error", (error) => {
      this._broken = true;
      this.lastError = error;
    });
    client.on("end", () => {
      this._broken = true;
    });
  }

  /** Opens a connection; a failed connect closes the socket before rejecting. */
  static async open(config: pg.ClientConfig, settings: PostgresConnectionSettings): Promise<PostgresConnection> {
    const conn = new PostgresConnection(new pg.Client(config), settings);
    try {
      await conn.client.connect();
    } catch (error) {
      await conn.close();
      throw error;
    }
    // The startup's own reports are in; from here each one says a statement changed a setting.
    if (conn.auto) wireOf(conn.client)?.on?.("parameterStatus", () => (conn.dirty = true));
    return conn;
  }

  /** The pg Client. What is done with it is unknown to us; the connection is still reset on release. */
  get raw(): pg.Client {
    this.used = true;
    this.dirty = true;
    this.rawTaken = true;
    return this.client;
  }

  get broken(): boolean {
    return this._broken;
  }

  /** Every statement goes through here, so none can queue behind an open cursor. */
  private send(sql: string, params?: readonly unknown[]): Promise<pg.QueryResult<Row>> {
    if (this.streaming) return Promise.reject(streamOpen());
    return this.client.query<Row>(sql, params as unknown[] | undefined);
  }

  async query(sql: string, params: readonly unknown[]): Promise<QueryResult> {
    if (this.streaming) throw streamOpen();
    if (this.settings.pooler !== undefined) refuseSessionState(sql);
    this.noteUse(sql);
    let result: pg.QueryResult<Row>;
    try {
      // The extended protocol even without parameters: it runs exactly one statement, so text that
      // smuggles a second one ("...; DROP TABLE x") fails instead of running both.
      result = await this.client.query<Row>(extended(sql, params));
    } catch (error) {
      throw oneStatement(error, sql);
    }
    return { rows: result.rows ?? [], rowsAffected: result.rowCount ?? 0, lastInsertId: undefined };
  }

  async *stream(sql: string, params: readonly unknown[]): AsyncIterable<Row> {
    if (this.streaming) throw streamOpen();
    if (this.settings.pooler !== undefined) refuseSessionState(sql);
    this.noteUse(sql);
    const cursor = this.client.query(new Cursor<Row>(sql, params as unknown[]));
    this.streaming = true;
    let failed = false;
    try {
      for (;;) {
        const rows = await cursor.read(this.settings.streamBatchSize);
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

  /** Several statements: the simple query protocol runs them all. Trusted text only (migrations). */
  async executeScript(sql: string): Promise<void> {
    if (this.settings.pooler !== undefined) refuseSessionState(sql);
    this.used = true;
    this.dirty = true;
    await this.send(sql);
  }

  async begin(): Promise<void> {
    await this.send(this.settings.pooler?.begin ?? "BEGIN");
  }

  /** A read-only key's transaction (a replica's, where every transaction is read-only anyway). */
  async beginReadOnly(): Promise<void> {
    await this.send(this.settings.pooler?.beginReadOnly ?? "BEGIN READ ONLY");
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
    const status = this.client.getTransactionStatus();
    return status === "T" || status === "E";
  }

  private noteUse(sql: string): void {
    this.used = true;
    if (this.auto && !this.dirty && mayChangeSession(sql)) this.dirty = true;
  }

  needsReset(): boolean {
    return this.auto ? this.dirty : this.used && this.settings.resetOnRelease === true;
  }

  /**
   * DISCARD ALL, after the pool rolled back any transaction: role and session authorization, every
   * setting (SET, set_config(..., false), SET SESSION CHARACTERISTICS) back to the connection's
   * defaults, TEMP tables dropped, advisory locks released, PREPAREd statements and cursors closed,
   * LISTEN undone. Settings sent at connect (statementTimeoutMs, ...) are those defaults and stay.
   */
  async reset(): Promise<void> {
    await this.send("DISCARD ALL");
    this.resets++;
    this.used = false;
    // DISCARD ALL's own reports of the settings it put back arrived before its answer.
    this.dirty = false;
    if (this.rawTaken) {
      this.rawTaken = false;
      // pg remembers which named statements it parsed on this client; DISCARD ALL deallocated them,
      // so a later query by that name would fail. Forget them, or give the connection up.
      const wire = wireOf(this.client);
      if (wire === undefined || typeof wire.parsedStatements !== "object" || wire.parsedStatements === null) {
        throw new Error(
          "cannot clear pg's cache of prepared statements after DISCARD ALL; the connection is closed instead",
        );
      }
      wire.parsedStatements = {};
      if (typeof wire.submittedNamedStatements === "object") wire.submittedNamedStatements = {};
    }
  }

  async close(): Promise<void> {
    this._broken = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      // end() waits for the server's goodbye; a half-dead socket may never send it.
      await Promise.race([
        this.client.end().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 2_000);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** pg's protocol connection under the Client: not in its types, stable across pg 8. */
interface Wire {
  parsedStatements?: unknown;
  submittedNamedStatements?: unknown;
  on?: (event: string, listener: () => void) => void;
}

function wireOf(client: pg.Client): Wire | undefined {
  return (client as unknown as { connection?: Wire }).connection;
}

function streamOpen(): UnsupportedError {
  return new UnsupportedError(
    "A statement ran on a session while a stream from it was still open. The connection sends one result at a time, " +
      "so the statement would wait for the stream forever. Finish (or break) the stream loop first, read the rows with " +
      "select() instead, or do the other work in another scope.",
  );
}

/** pg reads `queryMode` since 8.12 (the peer range); @types/pg does not declare it yet. */
function extended(text: string, values: readonly unknown[]): pg.QueryConfig {
  const config: pg.QueryConfig & { queryMode: "extended" } = {
    text,
    values: values as unknown[],
    queryMode: "extended",
  };
  return config;
}

/** pg's "cannot insert multiple commands into a prepared statement", said with its fix. */
function oneStatement(error: unknown, sql: string): unknown {
  if (
    !(error instanceof Error) ||
    (error as { code?: unknown }).code !== "42601" ||
    !/multiple commands/.test(error.message)
  )
    return error;
  return new UnsupportedError(
    "The SQL text holds more than one statement; execute(), select() and friends run exactly one, so none of it ran. " +
      "Run each statement on its own, or use executeScript() for a trusted script (never with user input): " +
      sql.replace(/\s+/g, " ").slice(0, 120),
    error,
  );
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
