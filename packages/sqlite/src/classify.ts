import type { ConstraintDetails } from "@sqlscope/core";
import type { ErrorClass } from "@sqlscope/core/driver";
import { codeOf } from "./busy.ts";
import { upgradeAdvice } from "./upgrade-error.ts";

const CONSTRAINTS: Readonly<Record<string, ErrorClass["constraint"]>> = {
  SQLITE_CONSTRAINT_UNIQUE: "unique",
  SQLITE_CONSTRAINT_PRIMARYKEY: "unique",
  SQLITE_CONSTRAINT_FOREIGNKEY: "foreign_key",
  SQLITE_CONSTRAINT_NOTNULL: "not_null",
  SQLITE_CONSTRAINT_CHECK: "check",
};

/** The handle itself is no longer trustworthy after these. */
const FATAL = /^SQLITE_(?:CORRUPT|NOTADB|IOERR|CANTOPEN|NOMEM)/;

/**
 * Maps better-sqlite3 errors to what the core needs: constraint kinds, retryable lock conflicts
 * (SQLITE_BUSY*, SQLITE_LOCKED*), and the few errors after which the handle must be discarded.
 */
export function classifyError(error: unknown): ErrorClass {
  const code = codeOf(error);
  if (code === undefined) {
    const closed = error instanceof TypeError && /database connection is not open/.test(error.message);
    return { kind: closed ? "connection" : "other", fatal: closed };
  }
  if (code.startsWith("SQLITE_CONSTRAINT")) {
    return { kind: "constraint", fatal: false, constraint: CONSTRAINTS[code] ?? "other", details: detailsOf(error) };
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    const advice = upgradeAdvice(error);
    return advice === undefined
      ? { kind: "serialization", fatal: false }
      : { kind: "serialization", fatal: false, advice };
  }
  return { kind: "other", fatal: FATAL.test(code) };
}

/**
 * SQLite names the columns of a UNIQUE/PRIMARY KEY or NOT NULL violation as "table.column, ..." and a
 * CHECK by its name when it has one (otherwise by its expression, which names nothing); a FOREIGN KEY
 * violation says nothing more.
 */
function detailsOf(error: unknown): ConstraintDetails {
  const message = error instanceof Error ? error.message : "";
  const listed = /^(?:UNIQUE|NOT NULL) constraint failed: (.+)$/.exec(message)?.[1];
  if (listed !== undefined) {
    const pairs = listed.split(", ").map((p) => p.split("."));
    return {
      table: pairs[0]?.length === 2 ? pairs[0][0] : undefined,
      columns: pairs.map((p) => p[p.length - 1] as string),
    };
  }
  const check = /^CHECK constraint failed: ([A-Za-z_][\w$]*)$/.exec(message)?.[1];
  return check === undefined ? {} : { constraintName: check };
}
