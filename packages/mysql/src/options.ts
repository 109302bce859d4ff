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
  readonly database: string | undefined;
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
      throw new ConfigError(
        `mysql({ sessionVariables }) has an invalid variable name ${JSON.stringify(name)}; use plain names like innodb_lock_wait_timeout.`,
      );
    }
    if (!["string", "number", "boolean"].includes(typeof value)) {
      throw new ConfigError(
        `mysql({ sessionVariables: { ${name} } }) must be a string, number or boolean, got ${typeof value}.`,
      );
    }
  }
  if ("multipleStatements" in (options.driverOptions ?? {})) {
    throw new ConfigError(MULTI_REFUSED("driverOptions: { multipleStatements }"));
  }
  if (options.driverOptions !== undefined && "uri" in options.driverOptions) {
    throw new ConfigError(
      "mysql({ driverOptions: { uri } }) is not supported: pass the URI as mysql({ uri }), where it is checked.",
    );
  }
  refuseMultiFlag(options.driverOptions?.flags, "driverOptions: { flags }");
  const connection: ConnectionOptions = {
    charset: "utf8mb4",
    // BIGINT beyond 2^53 as an exact string instead of a silently rounded number.
    supportBigNumbers: true,
    ...(options.uri === undefined ? {} : parseUri(options.uri)),
    ...options.driverOptions,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    multipleStatements: false,
  };
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
  return { connection, sessionVariables: variables, resetOnRelease: reset, database: connection.database };
}

const MULTI_REFUSED = (where: string) =>
  `mysql({ ${where} }) asks for multi-statement mode, which is not supported: executeScript() splits scripts itself, ` +
  "and multi-statement mode turns any injection into arbitrary SQL.";

/** mysql2 reads `flags` as a list ("A,-B" or an array); MULTI_STATEMENTS in it would bypass multipleStatements: false. */
function refuseMultiFlag(flags: unknown, where: string): void {
  if (flags === undefined || flags === null) return;
  const list = Array.isArray(flags) ? flags.map(String) : String(flags).split(",");
  if (list.some((flag) => flag.trim().toUpperCase().replace(/^\+/, "") === "MULTI_STATEMENTS"))
    throw new ConfigError(MULTI_REFUSED(where));
}

/**
 * The URI's parts as mysql2 options, checked now so a mistake fails at start-up. Never put the URI
 * itself in a message or a cause: it carries the password (a TypeError "Invalid URL" from Node would
 * keep it in its `input` field, and loggers print that).
 */
function parseUri(uri: string): ConnectionOptions {
  if (typeof uri !== "string" || uri.length === 0)
    throw new ConfigError("mysql({ uri }) must be a non-empty string such as mysql://user:pass@localhost/app.");
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ConfigError(
      `mysql({ uri }) is not a valid URL: ${redact(uri)}. Use mysql://user:password@host:port/database, with special characters ` +
        "in the user or password percent-encoded (encodeURIComponent).",
      new Error(`Invalid URL: ${redact(uri)}`),
    );
  }
  const shown = redact(uri);
  if (url.protocol !== "mysql:" && url.protocol !== "mariadb:") {
    throw new ConfigError(`mysql({ uri }) must start with mysql:// or mariadb://, got ${shown}.`);
  }
  const decode = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new ConfigError(
        `mysql({ uri }) has a badly percent-encoded ${what}: ${shown}. Encode it with encodeURIComponent.`,
      );
    }
  };
  const options: ConnectionOptions = {};
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (host.length > 0) options.host = decode(host, "host");
  if (url.port !== "") options.port = Number(url.port);
  if (url.username !== "") options.user = decode(url.username, "user");
  if (url.password !== "") options.password = decode(url.password, "password");
  const database = decode(url.pathname.replace(/^\//, ""), "database");
  if (database.length > 0) options.database = database;
  for (const [key, value] of url.searchParams) {
    if (key === "multipleStatements") throw new ConfigError(MULTI_REFUSED('uri: "...?multipleStatements=..."'));
    if (key === "flags") refuseMultiFlag(value, 'uri: "...?flags=..."');
    if (key in options) continue;
    // As mysql2 reads a URI query: JSON where it parses (?ssl={"rejectUnauthorized":true}), else text.
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = value;
    }
    (options as Record<string, unknown>)[key] = parsed;
  }
  return options;
}

/** The URI with everything before its host (user and password) replaced: safe for messages and logs. */
function redact(uri: string): string {
  const at = uri.lastIndexOf("@");
  if (at === -1) return uri;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(uri)?.[0] ?? "";
  return `${scheme}***@${uri.slice(at + 1)}`;
}
