import type { ConstraintDetails, ConstraintKind } from "@sqlscope/core";
import type { ErrorClass } from "@sqlscope/core/driver";

/** Server error numbers (MySQL and MariaDB share them) that mean "run the transaction again". */
const SERIALIZATION = new Set([
  1213, // ER_LOCK_DEADLOCK: the transaction was rolled back
  1205, // ER_LOCK_WAIT_TIMEOUT: only the statement was rolled back, but the unit of work should restart
  1020, // ER_CHECKREAD: MariaDB snapshot isolation saw a concurrent change
]);

const CONSTRAINTS = new Map<number, ConstraintKind>([
  [1062, "unique"], // ER_DUP_ENTRY
  [1586, "unique"], // ER_DUP_ENTRY_WITH_KEY_NAME
  [1451, "foreign_key"], // ER_ROW_IS_REFERENCED_2
  [1452, "foreign_key"], // ER_NO_REFERENCED_ROW_2
  [1216, "foreign_key"],
  [1217, "foreign_key"],
  [1048, "not_null"], // ER_BAD_NULL_ERROR
  [3819, "check"], // MySQL 8 ER_CHECK_CONSTRAINT_VIOLATED
  [4025, "check"], // MariaDB ER_CONSTRAINT_FAILED
]);

/** Errors after which the connection is gone: socket errors, protocol loss, server shutdown or KILL. */
const FATAL_CODES = new Set([
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR",
  "PROTOCOL_PACKETS_OUT_OF_ORDER",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNREFUSED",
  "ENOTCONN",
  "ECONNABORTED",
]);
const FATAL_ERRNOS = new Set([
  1053, // ER_SERVER_SHUTDOWN
  1927, // MariaDB ER_CONNECTION_KILLED
  2006, // CR_SERVER_GONE_ERROR
  2013, // CR_SERVER_LOST
  4031, // MySQL ER_CLIENT_INTERACTION_TIMEOUT (wait_timeout)
]);
const CLOSED = /closed state|connection is closed|Connection lost/i;
/** ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: a write in START TRANSACTION READ ONLY. */
const READ_ONLY_TRANSACTION = 1792;
/** ER_OPTION_PREVENTS_STATEMENT, which names the option: --read-only (a replica) is ours, --secure-file-priv is not. */
const OPTION_PREVENTS = 1290;

/**
 * Maps a mysql2 error to what the core does with it: deadlocks and lock wait timeouts are retryable,
 * integrity errors are constraint kinds, and anything mysql2 marks fatal (or a lost socket) destroys
 * the connection.
 */
export function classifyMysqlError(error: unknown): ErrorClass {
  if (typeof error !== "object" || error === null) return { kind: "other", fatal: false };
  const { errno, code, fatal, message } = error as {
    errno?: unknown;
    code?: unknown;
    fatal?: unknown;
    message?: unknown;
  };
  const number = typeof errno === "number" ? errno : undefined;
  if (
    fatal === true ||
    (typeof code === "string" && FATAL_CODES.has(code)) ||
    (number !== undefined && FATAL_ERRNOS.has(number)) ||
    (typeof message === "string" && CLOSED.test(message))
  ) {
    return { kind: "connection", fatal: true };
  }
  // ER_NET_PACKET_TOO_LARGE: the server closes the connection after it; the statement itself is not worth retrying.
  if (number === 1153) return { kind: "other", fatal: true };
  if (number !== undefined) {
    if (SERIALIZATION.has(number)) return { kind: "serialization", fatal: false };
    if (
      number === READ_ONLY_TRANSACTION ||
      (number === OPTION_PREVENTS && typeof message === "string" && /read[-_]only/i.test(message))
    ) {
      return { kind: "read_only", fatal: false };
    }
    const constraint = CONSTRAINTS.get(number);
    if (constraint !== undefined)
      return {
        kind: "constraint",
        fatal: false,
        constraint,
        details: detailsOf(number, typeof message === "string" ? message : ""),
      };
  }
  return { kind: "other", fatal: false };
}

/**
 * MySQL and MariaDB say which constraint only in the message text (their formats are stable across
 * versions): the unique key's name (MySQL 8 as "table.key"), the column that may not be null, the
 * check's name (and table, on MariaDB), a foreign key's table, name and columns.
 */
function detailsOf(errno: number, message: string): ConstraintDetails {
  if (errno === 1062 || errno === 1586) {
    const key = /for key '([^']+)'$/.exec(message)?.[1];
    if (key === undefined) return {};
    const dot = key.lastIndexOf(".");
    return dot < 0 ? { constraintName: key } : { table: key.slice(0, dot), constraintName: key.slice(dot + 1) };
  }
  if (errno === 1048) {
    const column = /^Column '([^']+)' cannot be null/.exec(message)?.[1];
    return column === undefined ? {} : { columns: [column] };
  }
  if (errno === 4025) {
    const m = /^CONSTRAINT `([^`]+)` failed for `[^`]+`\.`([^`]+)`/.exec(message);
    return m === null ? {} : { constraintName: m[1], table: m[2] };
  }
  if (errno === 3819) {
    const name = /^Check constraint '([^']+)' is violated/.exec(message)?.[1];
    return name === undefined ? {} : { constraintName: name };
  }
  const fk = /\(`[^`]+`\.`([^`]+)`, CONSTRAINT `([^`]+)` FOREIGN KEY \(([^)]+)\)/.exec(message);
  if (fk === null) return {};
  return { table: fk[1], constraintName: fk[2], columns: fk[3]?.split(",").map((c) => c.trim().replace(/^`|`$/g, "")) };
}
