import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "@sqlscope/core";
import { quoteDouble, type Dialect, type Driver } from "@sqlscope/core/driver";
import Database from "better-sqlite3";
import { classifyError } from "./classify.ts";
import { SqliteConnection } from "./connection.ts";
import { resolveOptions, type ResolvedSqliteOptions, type SqliteOptions } from "./options.ts";
import { assertSupportedRuntime } from "./runtime-check.ts";
import { gateFor, WriteGate } from "./write-gate.ts";

// better-sqlite3 builds SQLite with SQLITE_MAX_VARIABLE_NUMBER=32766.
export const sqliteDialect: Dialect = {
  placeholder: "?",
  quoteIdentifier: quoteDouble,
  savepoints: true,
  maxParameters: 32_766,
};

/**
 * A better-sqlite3 database for `db.add()`. File databases run in WAL mode: reads run concurrently on
 * their own connections, writes of this process queue behind an async gate, so the event loop never
 * spins in SQLite's busy handler. `":memory:"` is one shared connection (pool max 1). Throws a
 * ConfigError naming the fix on a Node + better-sqlite3 pair known to crash the process (better-sqlite3
 * 12 on Node 24.19-24.21, better-sqlite3 13 on Node 20).
 *
 * @example
 * const db = new SQLScope().add(sqlite({ filename: "app.db" }), { key: "db", commit: "autocommit" });
 */
export function sqlite(options: SqliteOptions): Driver<Database.Database> {
  assertSupportedRuntime();
  const resolved = resolveOptions(options);
  let shared: { gate: WriteGate; unref: () => void } | undefined;
  let memoryConnection: SqliteConnection | undefined;

  const gate = (): WriteGate => {
    if (shared === undefined) {
      // Each :memory: handle is its own database, so it shares its gate with nobody.
      shared = resolved.memory
        ? { gate: new WriteGate(":memory:"), unref: () => undefined }
        : gateFor(filePath(resolved.filename));
    }
    return shared.gate;
  };

  return {
    name: "sqlite",
    dialect: sqliteDialect,
    // A :memory: database lives and dies with its one connection: never evict it, never expire it.
    ...(resolved.memory ? { pool: { max: 1, idleTimeoutMs: Number.POSITIVE_INFINITY, maxLifetimeMs: 0 } } : {}),
    async connect() {
      if (resolved.memory && memoryConnection !== undefined && !memoryConnection.broken) {
        throw new ConfigError(
          'sqlite({ filename: ":memory:" }) was asked for a second connection, which would be a second, empty database. ' +
            "Keep pool.max at 1 for :memory: (the default), or use a file (a temp dir) for concurrent connections.",
        );
      }
      const db = open(resolved);
      const conn = new SqliteConnection(db, gate(), resolved);
      if (resolved.memory) memoryConnection = conn;
      return conn;
    },
    classifyError,
    async close() {
      shared?.unref();
      shared = undefined;
      memoryConnection = undefined;
    },
  };
}

function open(options: ResolvedSqliteOptions): Database.Database {
  // timeout 0: SQLite's own busy wait would freeze the process; busy.ts retries on timers instead.
  const db = new Database(options.filename, { readonly: options.readonly, timeout: 0 });
  try {
    if (options.safeIntegers) db.defaultSafeIntegers(true);
    if (!options.readonly && !options.memory) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
    }
    db.pragma("foreign_keys = ON");
    for (const pragma of options.pragmas) db.exec(pragma);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** The file's canonical path, so "./app.db" and "/srv/app/app.db" share one write gate. */
function filePath(filename: string): string {
  const absolute = resolve(filename);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}
