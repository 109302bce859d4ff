import { ConfigError } from "@sqlscope/core";
import type { ConnectionOptions } from "mysql2";

/** A session variable value for `SET SESSION name = value`. */
export type SessionValue = string | number | boolean;

/** What `mysql({...})` accepts (MySQL 8 and MariaDB 10.5+). */
export interface MysqlOptions {
  /** `mysql://user:password@host:port/database`; the separate fields below override its parts. */
  uri?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  ssl?: ConnectionOptions["ssl"];
  /** How long opening one connection may take (ms). Default 10 000. */
  connectTimeoutMs?: number;
  /**
   * `SET SESSION` variables for every connection, applied when it opens and again after each reset,
   * e.g. `{ innodb_lock_wait_timeout: 5, time_zone: "+00:00" }`.
   */
  sessionVariables?: Readonly<Record<string, SessionValue>>;
  /**
   * Clear session state (user variables, temporary tables, locks, session variables) with
   * COM_RESET_CONNECTION before a connection is reused. "auto" (default) resets only connections
   * that ran a statement able to leave such state (SET, `@` variables, TEMPORARY, LOCK, GET_LOCK,
   * USE, PREPARE, CALL, ...) or whose raw handle was taken with connection(); true resets every
   * time; false never (an open transaction is still rolled back).
   */
  resetOnRelease?: boolean | "auto";
  /** Any other mysql2 connection option (typeCast, dateStrings, supportBigNumbers, timezone, ...). */
  driverOptions?: Omit<ConnectionOptions, "multipleStatements">;
}

export interface ResolvedMysqlOptions {
  readonly connection: ConnectionOptions;
  readonly sessionVariables: Readonly<Record<string, SessionValue>>;
  readonly resetOnRelease: boolean | "auto";
}

export function resolveOptions(options: MysqlOptions): ResolvedMysqlOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigError('mysql() needs options, for example mysql({ uri: "mysql://user:pass@localhost/app" }).');
  }
  for (const name of ["port", "connectTimeoutMs"] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== "number" || !Number.isInteger(value) || value < 0)) {
      throw new ConfigError(`mysql({ ${name} }) must be a whole number >= 0, got ${String(value)}.`);
    }
  }
  const variables = options.sessionVariables ?? {};
  for (const [name, value] of Object.entries(variables)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new ConfigError(`mysql({ sessionVariables }) has an invalid variable name ${JSON.stringify(name)}; use plain names like innodb_lock_wait_timeout.`);
    }
    if (!["string", "number", "boolean"].includes(typeof value)) {
      throw new ConfigError(`mysql({ sessionVariables: { ${name} } }) must be a string, number or boolean, got ${typeof value}.`);
    }
  }
  if ("multipleStatements" in (options.driverOptions ?? {})) {
    throw new ConfigError("mysql({ driverOptions: { multipleStatements } }) is not supported: executeScript() splits scripts itself, and multi-statement mode turns any injection into arbitrary SQL.");
  }
  const connection: ConnectionOptions = {
    charset: "utf8mb4",
    // BIGINT beyond 2^53 as an exact string instead of a silently rounded number.
    supportBigNumbers: true,
    ...options.driverOptions,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    multipleStatements: false,
  };
  if (options.uri !== undefined) connection.uri = options.uri;
  if (options.host !== undefined) connection.host = options.host;
  if (options.port !== undefined) connection.port = options.port;
  if (options.user !== undefined) connection.user = options.user;
  if (options.password !== undefined) connection.password = options.password;
  if (options.database !== undefined) connection.database = options.database;
  if (options.ssl !== undefined) connection.ssl = options.ssl;
  const reset = options.resetOnRelease ?? "auto";
  if (reset !== true && reset !== false && reset !== "auto") {
    throw new ConfigError(`mysql({ resetOnRelease }) must be true, false or "auto", got ${String(reset)}.`);
  }
  return { connection, sessionVariables: variables, resetOnRelease: reset };
}
