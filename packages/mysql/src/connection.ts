import { UnsupportedError, type DriverConnection, type QueryResult, type Row } from "@sqlscope/core";
import mysql2, { type Connection as CoreConnection, type ConnectionOptions, type ResultSetHeader } from "mysql2";
import type { Connection as PromiseConnection } from "mysql2/promise";
import type { SessionValue } from "./options.ts";
import { interpolate, splitStatements } from "./sql-text.ts";

/** The SERVER_STATUS_IN_TRANS bit of the status flags in every OK packet. */
const IN_TRANS = 1;

export interface MysqlConnectionSettings {
  readonly sessionVariables: Readonly<Record<string, SessionValue>>;
  readonly resetOnRelease: boolean | "auto";
}

/**
 * Statements that can leave state in the session beyond their transaction: SET (variables, names,
 * roles, the next transaction's isolation), user variables, temporary tables, table and named locks,
 * USE, SQL-level prepared statements, procedures (which may do any of these), HANDLER and XA.
 */
const SESSION_STATE = /^\s*(?:SET|USE|LOCK|PREPARE|EXECUTE|DEALLOCATE|CALL|HANDLER|XA)\b|\bTEMPORARY\b|@|\bGET_LOCK\s*\(/i;

/**
 * One mysql2 connection. Listeners for 'error' and 'end' are attached before the handshake, so a
 * connection the server closes (KILL, wait_timeout, restart) while it sits in the pool never crashes
 * the process; it is marked broken and the pool replaces it instead of handing it out.
 */
export class MysqlConnection implements DriverConnection<PromiseConnection> {
  private readonly promise: PromiseConnection;
  private readonly core: CoreConnection;
  private readonly settings: MysqlConnectionSettings;
  private _broken = false;
  /** From the server's status flags where it sent them, else from our own begin/commit/rollback. */
  private txn = false;
  /** The error that broke the connection, for diagnostics. */
  lastError: Error | undefined = undefined;
  /** Something may have left session state behind, so resetOnRelease: "auto" resets on release. */
  private dirty = false;
  /** COM_RESET_CONNECTIONs sent, for diagnostics and tests. */
  resets = 0;
  /** A streaming query holds the connection: any other statement would queue behind it and wait forever. */
  private streaming = false;

  private constructor(core: CoreConnection, settings: MysqlConnectionSettings) {
    this.core = core;
    this.settings = settings;
    this.promise = core.promise();
    core.on("error", (error: Error) => {
      this.lastError = error;
      if ((error as { fatal?: boolean }).fatal !== false) this._broken = true;
    });
    core.on("end", () => {
      this._broken = true;
    });
  }

  static async open(options: ConnectionOptions, settings: MysqlConnectionSettings): Promise<MysqlConnection> {
    const conn = new MysqlConnection(mysql2.createConnection(options), settings);
    try {
      await conn.promise.connect();
      await conn.applySessionVariables();
    } catch (error) {
      conn.core.destroy();
      throw error;
    }
    return conn;
  }

  /** The mysql2 promise connection. Whatever is done with it is unknown to us, so the connection is reset on release. */
  get raw(): PromiseConnection {
    this.dirty = true;
    return this.promise;
  }

  get broken(): boolean {
    return this._broken;
  }

  private escape = (value: unknown): string => this.core.escape(value);

  private async run(sql: string, template = sql): Promise<unknown> {
    if (this.streaming) throw streamOpen();
    // The template, not the interpolated text: an '@' inside a bound value says nothing about state.
    if (!this.dirty && SESSION_STATE.test(template)) this.dirty = true;
    let result: unknown;
    try {
      [result] = await this.promise.query(sql);
    } catch (error) {
      // mysql2 attaches the interpolated text (every bound value, megabytes of it) to its errors, and
      // errors end up in logs: keep the template with its placeholders instead.
      if (typeof error === "object" && error !== null && "sql" in error) (error as { sql: string }).sql = template;
      throw error;
    }
    if (isHeader(result)) this.txn = (result.serverStatus & IN_TRANS) !== 0;
    return result;
  }

  async query(sql: string, params: readonly unknown[]): Promise<QueryResult> {
    const result = await this.run(params.length === 0 ? sql : interpolate(sql, params, this.escape), sql);
    if (isHeader(result)) {
      const id = result.insertId as number | string;
      return {
        rows: [],
        rowsAffected: result.affectedRows,
        // 0 means the statement generated no id; a string comes from supportBigNumbers.
        lastInsertId: typeof id === "string" ? BigInt(id) : id > 0 ? id : undefined,
      };
    }
    const rows = result as Row[];
    return { rows, rowsAffected: rows.length, lastInsertId: undefined };
  }

  /** fn on the promise connection as statement `sql`: unlike `raw`, marks the session dirty only when `sql` can leave state. */
  async runRaw<T>(sql: string, fn: (raw: PromiseConnection) => T | Promise<T>): Promise<T> {
    if (this.streaming) throw streamOpen();
    if (!this.dirty && SESSION_STATE.test(sql)) this.dirty = true;
    return await fn(this.promise);
  }

  async *stream(sql: string, params: readonly unknown[]): AsyncIterable<Row> {
    if (this.streaming) throw streamOpen();
    if (!this.dirty && SESSION_STATE.test(sql)) this.dirty = true;
    const query = this.core.query(params.length === 0 ? sql : interpolate(sql, params, this.escape));
    this.streaming = true;
    // After an early break the stream stops listening while the rest of the result drains; an error
    // in that window must not become an uncaught 'error' event.
    query.on("error", () => undefined);
    const rows = query.stream({ highWaterMark: 100 });
    // mysql2 does not tell a callback-less query that the connection died: end the stream ourselves.
    const onGone = (error?: Error) => rows.destroy(error ?? new Error("Connection lost: the server closed the connection."));
    this.core.once("error", onGone);
    this.core.once("end", onGone);
    try {
      for await (const row of rows) yield row as Row;
    } finally {
      this.core.removeListener("error", onGone);
      this.core.removeListener("end", onGone);
      if (!rows.destroyed) rows.destroy();
      // The rest of the result drains in the background; statements queue behind it and then run.
      this.streaming = false;
    }
  }

  async executeScript(sql: string): Promise<void> {
    for (const statement of splitStatements(sql)) await this.run(statement);
  }

  async begin(): Promise<void> {
    await this.run("START TRANSACTION");
    this.txn = true;
  }

  async commit(): Promise<void> {
    await this.run("COMMIT");
    this.txn = false;
  }

  async rollback(): Promise<void> {
    await this.run("ROLLBACK");
    this.txn = false;
  }

  async savepoint(name: string): Promise<void> {
    await this.run(`SAVEPOINT ${quote(name)}`);
  }

  async releaseSavepoint(name: string): Promise<void> {
    await this.run(`RELEASE SAVEPOINT ${quote(name)}`);
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    await this.run(`ROLLBACK TO SAVEPOINT ${quote(name)}`);
  }

  /** COM_PING: one round trip, and it fails at once on a socket the server already closed. */
  async validate(): Promise<boolean> {
    if (this._broken || this.streaming) return false;
    await this.promise.ping();
    return true;
  }

  inTransaction(): boolean {
    return this.txn;
  }

  /**
   * COM_RESET_CONNECTION: rolls back an open transaction and clears user variables, temporary
   * tables, prepared statements and session variables; ours are applied again afterwards. With
   * resetOnRelease "auto" only when the connection may hold such state (it costs a round trip that
   * took longer than a whole BEGIN/SELECT/COMMIT scope on MariaDB here).
   */
  async reset(): Promise<void> {
    const mode = this.settings.resetOnRelease;
    if (mode === false || (mode === "auto" && !this.dirty)) return;
    await this.promise.reset();
    this.resets++;
    this.dirty = false;
    this.txn = false;
    await this.applySessionVariables();
  }

  private async applySessionVariables(): Promise<void> {
    const entries = Object.entries(this.settings.sessionVariables);
    if (entries.length === 0) return;
    await this.run(`SET SESSION ${entries.map(([name, value]) => `${name} = ${this.core.escape(value)}`).join(", ")}`);
  }

  async close(): Promise<void> {
    if (this._broken) {
      this.core.destroy();
      return;
    }
    this._broken = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      // COM_QUIT is polite; a server that does not answer within 2 s gets the socket closed on it.
      const ended = await Promise.race([
        this.promise.end().then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), 2_000);
        }),
      ]);
      if (!ended) this.core.destroy();
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

function isHeader(result: unknown): result is ResultSetHeader {
  return typeof result === "object" && result !== null && !Array.isArray(result) && "affectedRows" in result;
}

function quote(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}
