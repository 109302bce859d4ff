import { ParameterError, UnsupportedError, type QueryResult, type Row } from "@sqlscope/core";
import { type DriverConnection } from "@sqlscope/core/driver";
import mysql2, { type Connection as CoreConnection, type ConnectionOptions, type ResultSetHeader } from "mysql2";
import type { Connection as PromiseConnection } from "mysql2/promise";
import { escapeFor } from "./escape.ts";
import type { SessionValue } from "./options.ts";
import { DEFAULT_MODE, interpolate, mayChangeSession, splitStatements, type SqlMode } from "./sql-text.ts";

// Bits of the status flags in every OK packet.
const IN_TRANS = 0x0001;
const NO_BACKSLASH_ESCAPES = 0x0200;
const SESSION_STATE_CHANGED = 0x4000;
/** ER_UNKNOWN_SYSTEM_VARIABLE: a server without session_track_state_change. */
const UNKNOWN_VARIABLE = 1193;

export interface MysqlConnectionSettings {
  readonly sessionVariables: Readonly<Record<string, SessionValue>>;
  readonly resetOnRelease: boolean | "auto";
  /** The database the connection opens with: COM_RESET_CONNECTION keeps whatever USE chose, so it is chosen again. */
  readonly database: string | undefined;
}

/** Turns on the server's reports of session changes (SERVER_SESSION_STATE_CHANGED, and sql_mode's new value). */
const TRACKING =
  "session_track_state_change = ON, session_track_system_variables = " +
  "IF(@@SESSION.session_track_system_variables = '*', '*', CONCAT(@@SESSION.session_track_system_variables, ',sql_mode'))";

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
  /**
   * How the server reads text now (NO_BACKSLASH_ESCAPES, ANSI_QUOTES): values are escaped and
   * placeholders found by it. Read with a SELECT before the first bind, and again after the server
   * reports a change of sql_mode.
   */
  private mode: SqlMode = DEFAULT_MODE;
  private modeKnown = false;
  /** The server's max_allowed_packet, read with the sql_mode. */
  private maxPacket = Infinity;
  /** The raw handle was given out: the sql_mode may change unseen, so it is read before every bind until the reset. */
  private rawTaken = false;
  /** The server tracks session state for us (session_track_state_change); false on servers without it. */
  private tracking = false;
  /** USE (or something unseen) may have changed the current database, which a reset does not restore. */
  private schemaChanged = false;

  private constructor(core: CoreConnection, settings: MysqlConnectionSettings) {
    this.core = core;
    this.settings = settings;
    this.promise = core.promise();
    // Whoever binds values through the raw mysql2 connection (a query builder's runRaw, a user's
    // connection()) gets them escaped and placed for the server's sql_mode, as ours are: mysql2's own
    // formatting always escapes with backslashes, which NO_BACKSLASH_ESCAPES turns into an injection.
    // Our own statements arrive interpolated and without values, and pass through unchanged.
    (core.config as { queryFormat?: (sql: string, values: unknown) => string }).queryFormat = (sql, values) =>
      this.formatRaw(sql, values);
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
      await conn.prepareSession();
    } catch (error) {
      conn.core.destroy();
      throw error;
    }
    return conn;
  }

  /** The mysql2 promise connection. Whatever is done with it is unknown to us, so the connection is reset on release. */
  get raw(): PromiseConnection {
    this.dirty = true;
    this.rawTaken = true;
    this.schemaChanged = true;
    return this.promise;
  }

  get broken(): boolean {
    return this._broken;
  }

  private readonly escapeBackslash = (value: unknown): string => this.core.escape(value);
  private readonly escapeDoubling = escapeFor(this.escapeBackslash, true);

  /** mysql2's queryFormat for raw callers: synchronous, so runRaw reads the sql_mode first when it is unknown. */
  private formatRaw(sql: string, values: unknown): string {
    if (values === undefined || values === null || (Array.isArray(values) && values.length === 0)) return sql;
    if (!Array.isArray(values)) {
      throw new UnsupportedError(
        "Named placeholders with an object of values are not supported on a sqlscope MySQL connection; pass an array for ? markers.",
      );
    }
    return this.checkSize(
      interpolate(sql, values, this.mode.backslashEscapes ? this.escapeBackslash : this.escapeDoubling, this.mode),
    );
  }

  /** Values into the text, escaped and placed for the server's current sql_mode. */
  private async bind(sql: string, params: readonly unknown[]): Promise<string> {
    if (params.length === 0) return sql;
    if (!this.modeKnown || this.rawTaken) await this.readMode();
    return this.checkSize(
      interpolate(sql, params, this.mode.backslashEscapes ? this.escapeBackslash : this.escapeDoubling, this.mode),
    );
  }

  private async readMode(): Promise<void> {
    const rows = (await this.send("SELECT @@SESSION.sql_mode AS m, @@SESSION.max_allowed_packet AS p")) as {
      m: unknown;
      p: unknown;
    }[];
    const modes = String(rows[0]?.m ?? "")
      .toUpperCase()
      .split(",");
    this.mode = {
      backslashEscapes: !modes.includes("NO_BACKSLASH_ESCAPES"),
      ansiQuotes: modes.includes("ANSI_QUOTES"),
    };
    this.maxPacket = Number(rows[0]?.p) || Infinity;
    this.modeKnown = true;
  }

  /** A statement the server would refuse by closing the connection is a ParameterError before it is sent. */
  private checkSize(text: string): string {
    // A character takes at most 4 bytes in utf8mb4: most texts need no byte count at all.
    if (text.length * 4 > this.maxPacket && Buffer.byteLength(text) > this.maxPacket) {
      throw new ParameterError(
        `The statement with its values is ${Buffer.byteLength(text)} bytes; the server's max_allowed_packet is ${this.maxPacket}, ` +
          "and it would close the connection on it. Send large values in parts, or raise max_allowed_packet on the server.",
      );
    }
    return text;
  }

  /** A statement of a scope (or a script). The template, not the interpolated text, says whether it may change the session. */
  private run(sql: string, template = sql): Promise<unknown> {
    // An '@' inside a bound value says nothing about state.
    if (mayChangeSession(template, this.mode)) this.changing();
    return this.send(sql, template);
  }

  /** Sends text as it is: our own statements (transaction control, sql_mode reads, session set-up) go straight here. */
  private async send(sql: string, template = sql): Promise<unknown> {
    if (this.streaming) throw streamOpen();
    let result: unknown;
    try {
      [result] = await this.promise.query(sql);
    } catch (error) {
      // mysql2 attaches the interpolated text (every bound value, megabytes of it) to its errors, and
      // errors end up in logs: keep the template with its placeholders instead.
      if (typeof error === "object" && error !== null && "sql" in error) (error as { sql: string }).sql = template;
      throw error;
    }
    if (isHeader(result)) this.noteStatus(result);
    return result;
  }

  /** A statement that may change the session is about to run. */
  private changing(): void {
    this.dirty = true;
    if (!this.tracking) {
      // Nobody will tell us what it changed: the sql_mode and the database are unknown from here on.
      this.modeKnown = false;
      this.schemaChanged = true;
    }
  }

  /** What every OK packet says: a transaction open, NO_BACKSLASH_ESCAPES, and (tracked) what changed. */
  private noteStatus(header: ResultSetHeader): void {
    const status = header.serverStatus;
    this.txn = (status & IN_TRANS) !== 0;
    if (((status & NO_BACKSLASH_ESCAPES) === 0) !== this.mode.backslashEscapes) this.modeKnown = false;
    if ((status & SESSION_STATE_CHANGED) !== 0) {
      this.dirty = true;
      const changes = (header as { stateChanges?: { systemVariables?: Record<string, unknown>; schema?: unknown } })
        .stateChanges;
      if (changes?.systemVariables?.sql_mode !== undefined) this.modeKnown = false;
      if (changes?.schema !== undefined && changes.schema !== null) this.schemaChanged = true;
    }
  }

  async query(sql: string, params: readonly unknown[]): Promise<QueryResult> {
    const result = await this.run(await this.bind(sql, params), sql);
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
    // formatRaw places values synchronously, so it must know the sql_mode before fn binds any.
    if (!this.modeKnown || this.rawTaken) await this.readMode();
    if (mayChangeSession(sql, this.mode)) {
      // Its OK packet goes to fn, not to us: what it changed (sql_mode, the database) is unknown.
      this.dirty = true;
      this.modeKnown = false;
      this.schemaChanged = true;
    }
    return await fn(this.promise);
  }

  async *stream(sql: string, params: readonly unknown[]): AsyncIterable<Row> {
    if (this.streaming) throw streamOpen();
    const text = await this.bind(sql, params);
    if (mayChangeSession(sql, this.mode)) this.changing();
    const query = this.core.query(text);
    this.streaming = true;
    // After an early break the stream stops listening while the rest of the result drains; an error
    // in that window must not become an uncaught 'error' event.
    query.on("error", () => undefined);
    const rows = query.stream({ highWaterMark: 100 });
    // mysql2 does not tell a callback-less query that the connection died: end the stream ourselves.
    const onGone = (error?: Error) =>
      rows.destroy(error ?? new Error("Connection lost: the server closed the connection."));
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

  /** Several statements, split here (multipleStatements stays off). Trusted text only: migrations, set-up. */
  async executeScript(sql: string): Promise<void> {
    for (const statement of splitStatements(sql, this.mode)) await this.run(statement);
  }

  async begin(): Promise<void> {
    await this.send("START TRANSACTION");
    this.txn = true;
  }

  /** A read-only key's transaction: writes fail with ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION. */
  async beginReadOnly(): Promise<void> {
    await this.run("START TRANSACTION READ ONLY");
    this.txn = true;
  }

  async commit(): Promise<void> {
    await this.send("COMMIT");
    this.txn = false;
  }

  async rollback(): Promise<void> {
    await this.send("ROLLBACK");
    this.txn = false;
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
  needsReset(): boolean {
    const mode = this.settings.resetOnRelease;
    return mode === true || (mode === "auto" && this.dirty);
  }

  /**
   * COM_RESET_CONNECTION: rolls back, and clears user variables, temporary tables, prepared statements,
   * named and table locks and session variables; ours are applied again afterwards. It keeps the
   * current database, so one changed by USE is chosen again (or, with none configured, the connection
   * is closed instead).
   */
  async reset(): Promise<void> {
    if (this.schemaChanged && this.settings.database === undefined) {
      throw new Error(
        "the current database may have changed and there is none configured to go back to; the connection is closed",
      );
    }
    await this.promise.reset();
    this.resets++;
    this.txn = false;
    this.rawTaken = false;
    if (this.schemaChanged) await this.send(`USE ${quote(this.settings.database as string)}`);
    await this.prepareSession();
  }

  /**
   * After connect and after every reset: asks the server to report session changes in its OK packets,
   * and applies sessionVariables (in the same SET where their values need no knowledge of the sql_mode).
   */
  private async prepareSession(): Promise<void> {
    const entries = Object.entries(this.settings.sessionVariables);
    const assign = (escape: (value: unknown) => string) => entries.map(([name, value]) => `${name} = ${escape(value)}`);
    // Doubled quotes mean the same with and without NO_BACKSLASH_ESCAPES; a backslash does not.
    const modeFree = entries.every(([, value]) => typeof value !== "string" || !value.includes("\\"));
    try {
      await this.send(`SET SESSION ${[TRACKING, ...(modeFree ? assign(this.escapeDoubling) : [])].join(", ")}`);
      this.tracking = true;
    } catch (error) {
      // A server without state tracking (MySQL < 5.7, MariaDB < 10.2, some proxies): the text rules alone decide.
      if ((error as { errno?: unknown }).errno !== UNKNOWN_VARIABLE) throw error;
      this.tracking = false;
      if (modeFree && entries.length > 0) await this.send(`SET SESSION ${assign(this.escapeDoubling).join(", ")}`);
    }
    if (!modeFree) {
      await this.readMode();
      await this.send(
        `SET SESSION ${assign(this.mode.backslashEscapes ? this.escapeBackslash : this.escapeDoubling).join(", ")}`,
      );
    }
    // Our own SETs are the connection's starting point, not state a scope left.
    this.dirty = false;
    this.schemaChanged = false;
    this.modeKnown = false;
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
