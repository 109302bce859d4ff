import type { ConstraintDetails } from "@sqlscope/core";
import type { ErrorClass } from "@sqlscope/core/driver";
import pg from "pg";

const CONSTRAINTS = {
  "23505": "unique",
  "23503": "foreign_key",
  "23502": "not_null",
  "23514": "check",
} as const;

/** Node socket errors and pg's own messages for a connection that is gone. */
const SOCKET_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ENOTCONN",
  "ECONNABORTED",
  "EHOSTUNREACH",
]);
const GONE = /Connection terminated|not queryable|Client was closed|Connection ended|connection error/i;

/**
 * Maps a pg error to what the core does with it: SQLSTATE 40001/40P01/55P03 are retryable, class 23 is a
 * constraint, 25006 a write where only reads may run, admin shutdown (57P01-03), class 08 and dead
 * sockets mean the connection must go.
 */
export function classifyPostgresError(error: unknown): ErrorClass {
  if (error instanceof pg.DatabaseError || isSqlState(error)) {
    const code = (error as { code?: string }).code ?? "";
    // 55P03 (lock_timeout, NOWAIT) is what MySQL calls a lock wait timeout: retryable on both.
    if (code === "40001" || code === "40P01" || code === "55P03") return { kind: "serialization", fatal: false };
    if (code.startsWith("23")) {
      return {
        kind: "constraint",
        fatal: false,
        constraint: CONSTRAINTS[code as keyof typeof CONSTRAINTS] ?? "other",
        details: detailsOf(error),
      };
    }
    // read_only_sql_transaction: a write in BEGIN READ ONLY, or any write on a hot standby.
    if (code === "25006") return { kind: "read_only", fatal: false };
    if (code === "57P01" || code === "57P02" || code === "57P03" || code.startsWith("08")) {
      return { kind: "connection", fatal: true };
    }
    return { kind: "other", fatal: false };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if ((typeof code === "string" && SOCKET_CODES.has(code)) || GONE.test(error.message)) {
      return { kind: "connection", fatal: true };
    }
  }
  return { kind: "other", fatal: false };
}

/**
 * PostgreSQL names the constraint and table in fields of its own; the columns come from `column` (not
 * null) or from the detail's "Key (a, b)=(...)" (unique, and a foreign key whose key is missing; when a
 * referenced row is deleted, the key named there is the other table's).
 */
function detailsOf(error: unknown): ConstraintDetails {
  const { constraint, table, column, detail } = error as {
    constraint?: unknown;
    table?: unknown;
    column?: unknown;
    detail?: unknown;
  };
  let columns: string[] | undefined;
  if (typeof column === "string") columns = [column];
  else if (typeof detail === "string" && !/is still referenced/.test(detail)) {
    const key = /^Key \((.+?)\)=/.exec(detail);
    if (key?.[1] !== undefined) columns = key[1].split(", ").map(unquote);
  }
  return {
    constraintName: typeof constraint === "string" ? constraint : undefined,
    table: typeof table === "string" ? table : undefined,
    columns,
  };
}

function unquote(name: string): string {
  return name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name;
}

function isSqlState(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  // A DatabaseError from another copy of pg: it has a severity and a five-character SQLSTATE.
  return typeof severity === "string" && typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}
