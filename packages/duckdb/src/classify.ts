import type { ConstraintDetails, ConstraintKind } from "@sqlscope/core";
import type { ErrorClass } from "@sqlscope/core/driver";

/**
 * DuckDB reports errors as "<Type> Error: <message>" text only. Write-write conflicts of its
 * optimistic concurrency are retryable; "Constraint Error"s map to constraint kinds; a closed
 * connection or an invalidated database means the connection must go.
 */
export function classifyDuckDBError(error: unknown): ErrorClass {
  const message = error instanceof Error ? error.message : String(error);
  if (/^TransactionContext Error:/.test(message) && /conflict|Failed to commit/i.test(message)) {
    return { kind: "serialization", fatal: false };
  }
  if (/write-write conflict|Conflict on (update|tuple deletion|append)/i.test(message)) {
    return { kind: "serialization", fatal: false };
  }
  if (/^Constraint Error:/.test(message))
    return { kind: "constraint", fatal: false, constraint: constraintOf(message), details: detailsOf(message) };
  if (
    /database has been invalidated|^FATAL Error|connection (was|is|has been) closed|Connection already closed/i.test(
      message,
    )
  ) {
    return { kind: "connection", fatal: true };
  }
  return { kind: "other", fatal: false };
}

function constraintOf(message: string): ConstraintKind {
  if (/NOT NULL constraint/i.test(message)) return "not_null";
  if (/CHECK constraint/i.test(message)) return "check";
  if (/foreign key/i.test(message)) return "foreign_key";
  if (/unique constraint|primary key constraint|Duplicate key/i.test(message)) return "unique";
  return "other";
}

/**
 * DuckDB names no constraint; its messages carry the columns of a duplicate key ('Duplicate key "a: 1,
 * b: 2"', read best-effort: a value that itself contains ", x: " would add a column) and the table and
 * column of a NOT NULL or the table of a CHECK. A foreign key's message names the referenced column,
 * not the written one, so it gives nothing.
 */
function detailsOf(message: string): ConstraintDetails {
  const duplicate = /Duplicate key "(.*)" violates/.exec(message)?.[1];
  if (duplicate !== undefined)
    return { columns: [...duplicate.matchAll(/(?:^|, )([A-Za-z_][\w$]*): /g)].map((m) => m[1] as string) };
  const notNull = /NOT NULL constraint failed: ([^.\s]+)\.(\S+)/.exec(message);
  if (notNull !== null) return { table: notNull[1], columns: [notNull[2] as string] };
  const check = /CHECK constraint failed on table (\S+)/.exec(message)?.[1];
  return check === undefined ? {} : { table: check };
}
