import { ConfigError } from "@sqlscope/core";
import type { ClientConfig } from "pg";
import type { PostgresConnectionSettings } from "./connection.ts";
import { poolerSettings } from "./pooler.ts";

/** What `postgres({...})` accepts. Unset connection fields fall back to pg's PG* environment variables. */
export interface PostgresOptions {
  /** `postgres://user:password@host:port/database?sslmode=...`; wins over the separate fields. */
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string | (() => string | Promise<string>);
  database?: string;
  ssl?: ClientConfig["ssl"];
  /** Server-side `statement_timeout` for every statement on every connection (ms). */
  statementTimeoutMs?: number;
  /** Server-side `lock_timeout`: how long a statement waits for a row or table lock (ms). */
  lockTimeoutMs?: number;
  /** Server-side `idle_in_transaction_session_timeout` (ms): ends sessions stuck in a transaction. */
  idleInTransactionTimeoutMs?: number;
  /** Shown in pg_stat_activity; defaults to "sqlscope". */
  applicationName?: string;
  /** How long opening one connection may take (ms). Default 10 000. */
  connectTimeoutMs?: number;
  /** Rows fetched per round trip by stream(). Default 100. */
  streamBatchSize?: number;
  /**
   * `DISCARD ALL` before a connection is reused, so no setting, role, TEMP table, advisory lock,
   * prepared statement, cursor or LISTEN of one scope reaches the next. It costs a round trip per
   * release (about 60 us on loopback, +75-120 us per scope under load).
   *
   * - `"auto"` (default): only after a scope that may have changed the session: a statement that
   *   starts with SET (not SET LOCAL/TRANSACTION/CONSTRAINTS), RESET, DISCARD, LISTEN, UNLISTEN,
   *   PREPARE, EXECUTE, DEALLOCATE, DECLARE, LOAD, CALL or DO, or has set_config, a session advisory
   *   lock, TEMP/TEMPORARY or dblink_connect in its code; executeScript(); the raw client taken with
   *   connection(); or a setting the server reported changed (TimeZone, DateStyle, role, session
   *   authorization, application_name, search_path on PostgreSQL 18, ...), which also catches the
   *   functions and triggers that change those. Not seen: a function or trigger that changes any
   *   other setting (set_config in PL/pgSQL), creates a TEMP table or takes a session advisory lock:
   *   use `true` if yours do.
   * - `true`: after every scope that ran a statement.
   * - `false`: never (only when nothing sets session state). Off (and `true` refused) with
   *   `pooler: "transaction"`.
   */
  resetOnRelease?: boolean | "auto";
  /**
   * "transaction": PostgreSQL sits behind a transaction-pooling proxy (PgBouncer `pool_mode =
   * transaction`), where consecutive transactions may run on different, shared server sessions. The
   * timeouts above are then set with SET LOCAL in each BEGIN (PgBouncer refuses them as startup
   * parameters), so statements outside a transaction (commit: "manual" without begin()) run without
   * them: put them on the role too. Statements that would leave session state behind (SET, LISTEN,
   * PREPARE, session advisory locks, TEMP tables without ON COMMIT DROP, WITH HOLD cursors) fail with
   * UnsupportedError before they are sent, and no DISCARD ALL is sent on release (it would reach
   * whichever server session PgBouncer picks). See docs/scaling.md.
   */
  pooler?: "transaction";
  /**
   * pg's per-connection type parsers (`getTypeParser(oid, format)`), for every result of this
   * driver's connections, streams included, and of nothing else in the process (unlike
   * `pg.types.setTypeParser`, which changes every pg client). For example int8 and `count(*)` as
   * bigint instead of text.
   */
  types?: ClientConfig["types"];
}

/** Options checked and turned into the pg ClientConfig every connection uses. */
export interface ResolvedPostgresOptions {
  readonly client: ClientConfig;
  readonly settings: PostgresConnectionSettings;
}

const NUMBERS = [
  "port",
  "statementTimeoutMs",
  "lockTimeoutMs",
  "idleInTransactionTimeoutMs",
  "connectTimeoutMs",
  "streamBatchSize",
] as const;

export function resolveOptions(options: PostgresOptions): ResolvedPostgresOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigError(
      'postgres() needs options, for example postgres({ connectionString: "postgres://user@localhost/app" }).',
    );
  }
  for (const name of NUMBERS) {
    const value = options[name];
    if (value !== undefined && (typeof value !== "number" || !Number.isInteger(value) || value < 0)) {
      throw new ConfigError(`postgres({ ${name} }) must be a whole number >= 0, got ${String(value)}.`);
    }
  }
  if (options.streamBatchSize === 0) throw new ConfigError("postgres({ streamBatchSize }) must be at least 1.");
  if (
    options.resetOnRelease !== undefined &&
    typeof options.resetOnRelease !== "boolean" &&
    options.resetOnRelease !== "auto"
  ) {
    throw new ConfigError(
      `postgres({ resetOnRelease }) must be "auto" (the default), true or false, got ${String(options.resetOnRelease)}.`,
    );
  }
  if (options.pooler !== undefined && options.pooler !== "transaction") {
    throw new ConfigError(
      `postgres({ pooler }) must be "transaction" (PgBouncer pool_mode = transaction) or left out (a direct connection, or session pooling), got ${String(options.pooler)}.`,
    );
  }
  const pooled = options.pooler === "transaction";
  if (pooled && options.resetOnRelease === true) {
    throw new ConfigError(
      'postgres({ pooler: "transaction", resetOnRelease: true }) cannot work: behind a transaction pooler DISCARD ALL runs on ' +
        "whichever server session PgBouncer picks, not the one the scope used. The pooler option refuses session state up " +
        "front instead; drop resetOnRelease.",
    );
  }
  const client: ClientConfig = {
    application_name: options.applicationName ?? "sqlscope",
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  };
  if (options.connectionString !== undefined) client.connectionString = options.connectionString;
  if (options.host !== undefined) client.host = options.host;
  if (options.port !== undefined) client.port = options.port;
  if (options.user !== undefined) client.user = options.user;
  if (options.password !== undefined) client.password = options.password;
  if (options.database !== undefined) client.database = options.database;
  if (options.ssl !== undefined) client.ssl = options.ssl;
  if (options.types !== undefined) {
    if (typeof options.types?.getTypeParser !== "function") {
      throw new ConfigError(
        "postgres({ types }) must have a getTypeParser(oid, format) function, as pg's types do: { getTypeParser: (oid, format) => ... }.",
      );
    }
    client.types = options.types;
  }
  const timeouts = [
    ["statement_timeout", options.statementTimeoutMs],
    ["lock_timeout", options.lockTimeoutMs],
    ["idle_in_transaction_session_timeout", options.idleInTransactionTimeoutMs],
  ] as const;
  const set = timeouts.filter((t): t is readonly [(typeof t)[0], number] => t[1] !== undefined);
  const streamBatchSize = options.streamBatchSize ?? 100;
  // Behind a transaction pooler: per transaction, since PgBouncer refuses them at startup.
  if (pooled) return { client, settings: { streamBatchSize, resetOnRelease: false, pooler: poolerSettings(set) } };
  // Sent in the startup packet, so every connection has them before its first statement.
  for (const [name, ms] of set) client[name] = ms;
  return { client, settings: { streamBatchSize, resetOnRelease: options.resetOnRelease ?? "auto", pooler: undefined } };
}
