import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQLScope, type AddOptions } from "@sqlscope/core";
import { type Driver, type DriverConnection } from "@sqlscope/core/driver";
import { sqlite } from "@sqlscope/sqlite";
import Database from "better-sqlite3";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS parents (id INTEGER PRIMARY KEY);
  CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    tag TEXT NOT NULL,
    parent_id INTEGER REFERENCES parents(id)
  );
  CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS handles (name TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL DEFAULT 0 CHECK (qty >= 0));
`;

export interface SuiteConfig extends AddOptions {
  /**
   * Every COMMIT waits this long before it runs. An adapter that lets the response out before the
   * commit finished then shows its head while the row is still invisible: a race it would otherwise
   * win by luck on a fast machine.
   */
  slowCommitMs?: number;
  /** Where the SQLScope reports warnings (commit failures the adapter answered, ...). Default: dropped. */
  onWarning?: (warning: Error) => void;
}

/** The real SQLite driver, with commit() started late. Everything else goes straight through. */
function slowCommits(driver: Driver, ms: number): Driver {
  return {
    ...driver,
    classifyError: (error) => driver.classifyError(error),
    close: async () => driver.close?.(),
    connect: async () => {
      const conn = await driver.connect();
      return new Proxy(conn, {
        get(target, prop) {
          // Without commitNow the core takes the async commit below, so the delay always applies.
          if (prop === "commitNow") return undefined;
          if (prop === "commit") {
            return async () => {
              await new Promise((resolve) => setTimeout(resolve, ms));
              await target.commit();
            };
          }
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }) satisfies DriverConnection;
    },
  };
}

/**
 * A real SQLite file for the suite, plus a second better-sqlite3 handle that is NOT part of any pool:
 * what it sees is what any other process would see, so "the row is visible" means "it was committed".
 */
export class SuiteDatabase {
  readonly dir: string;
  readonly filename: string;
  private readonly observer: Database.Database;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "sqlscope-adapter-"));
    this.filename = join(this.dir, "suite.db");
    // timeout 0: a lock held by a leaked transaction must show up as SQLITE_BUSY at once, not as a wait.
    this.observer = new Database(this.filename, { timeout: 0 });
    this.observer.pragma("journal_mode = WAL");
    this.observer.exec(SCHEMA);
  }

  /** A SQLScope on the suite's file with one key ("db") and the given policy. */
  registry(config: SuiteConfig): SQLScope {
    const { slowCommitMs, onWarning, ...options } = config;
    const driver = sqlite({ filename: this.filename });
    return new SQLScope({ onWarning: onWarning ?? (() => undefined) }).add(
      slowCommitMs === undefined ? driver : slowCommits(driver, slowCommitMs),
      {
        key: "db",
        ...options,
      },
    );
  }

  /** How many committed rows carry `tag`, read through the independent handle. */
  committedRows(tag: string): number {
    const row = this.observer.prepare("SELECT count(*) AS n FROM items WHERE tag = ?").get(tag) as { n: number };
    return row.n;
  }

  /** The committed value of counter `name` (0 when it has none), read through the independent handle. */
  counterValue(name: string): number {
    const row = this.observer.prepare("SELECT n FROM counters WHERE name = ?").get(name) as { n: number } | undefined;
    return row?.n ?? 0;
  }

  /**
   * Throws when some connection still holds a transaction: a write lock makes BEGIN IMMEDIATE fail,
   * and a reader pinned to an old snapshot makes a TRUNCATE checkpoint report busy.
   */
  assertNoOpenTransaction(): void {
    this.observer.exec("BEGIN IMMEDIATE");
    this.observer.exec("INSERT INTO parents (id) VALUES (NULL)");
    this.observer.exec("COMMIT");
    const [checkpoint] = this.observer.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[];
    if (checkpoint === undefined || checkpoint.busy !== 0) {
      throw new Error(
        "A connection still holds a read transaction on the suite database (wal_checkpoint reported busy).",
      );
    }
  }

  close(): void {
    this.observer.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
