import type Database from "better-sqlite3";
import { quoteDouble } from "@sqlscope/core/driver";

/**
 * The pragmas that belong to a connection rather than to the database file, and can be read back.
 * A `:memory:` database cannot be reopened (it would be a new, empty one), so its connection is
 * cleaned in place: these are read when it opens and written back when a scope changed them.
 */
const CONNECTION_PRAGMAS = [
  "analysis_limit",
  "automatic_index",
  "busy_timeout",
  "cache_size",
  "cache_spill",
  "cell_size_check",
  "checkpoint_fullfsync",
  "defer_foreign_keys",
  "foreign_keys",
  "fullfsync",
  "ignore_check_constraints",
  "journal_mode",
  "journal_size_limit",
  "legacy_alter_table",
  "locking_mode",
  "max_page_count",
  "mmap_size",
  "query_only",
  "read_uncommitted",
  "recursive_triggers",
  "reverse_unordered_selects",
  "secure_delete",
  "synchronous",
  "temp_store",
  "threads",
  "trusted_schema",
  "wal_autocheckpoint",
  "writable_schema",
] as const;

/** Pragmas that can be set but not read: put back to SQLite's default (the driver's own pragmas follow). */
const WRITE_ONLY_DEFAULTS = ["PRAGMA case_sensitive_like = OFF"];

/** Each connection pragma's value as opened, with its prepared reader (preparing a pragma costs more than running it). */
export type PragmaSnapshot = ReadonlyMap<string, { readonly value: unknown; readonly read: Database.Statement }>;

/** The connection's pragma values as the driver opened it. */
export function snapshotPragmas(db: Database.Database): PragmaSnapshot {
  const values = new Map<string, { value: unknown; read: Database.Statement }>();
  for (const name of CONNECTION_PRAGMAS) {
    try {
      const read = db.prepare(`PRAGMA ${name}`).pluck();
      values.set(name, { value: read.get(), read });
    } catch {
      // A pragma this SQLite build lacks: nothing to restore.
    }
  }
  return values;
}

/**
 * Undoes what a scope may have left on a connection that cannot be reopened: writes back each
 * connection pragma that changed, detaches every attached database, drops every TEMP object, then
 * re-runs the driver's own pragmas. Runs only after the transaction was rolled back.
 */
export function resetInPlace(db: Database.Database, snapshot: PragmaSnapshot, driverPragmas: readonly string[]): void {
  // Pragmas first: query_only or writable_schema left on would refuse the DROPs below.
  for (const [name, { value, read }] of snapshot) {
    if (read.get() !== value) db.pragma(`${name} = ${pragmaValue(value)}`);
  }
  for (const { name } of db.pragma("database_list") as { name: string }[]) {
    if (name !== "main" && name !== "temp") db.exec(`DETACH DATABASE ${quoteDouble(name)}`);
  }
  // Triggers and views first: dropping a table drops its own triggers and indexes with it.
  const temps = db
    .prepare(
      "SELECT type, name FROM temp.sqlite_master WHERE type IN ('trigger', 'view', 'table') ORDER BY type = 'table'",
    )
    .all() as {
    type: string;
    name: string;
  }[];
  for (const { type, name } of temps) db.exec(`DROP ${type.toUpperCase()} IF EXISTS temp.${quoteDouble(name)}`);
  for (const statement of WRITE_ONLY_DEFAULTS) db.exec(statement);
  for (const statement of driverPragmas) db.exec(statement);
}

function pragmaValue(value: unknown): string {
  // Pragma values come back as numbers or single words ("memory", "normal"): safe to paste as they are.
  return typeof value === "string" ? quoteDouble(value) : String(value);
}
