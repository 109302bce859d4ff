import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getSession, SQLScope, type CommitMode } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";

export const SCHEMA = `
  CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
`;

export interface SqliteTestDb {
  readonly db: SQLScope;
  readonly file: string;
  readonly warnings: Error[];
  /** Names in `items` as the app's own sessions see them (inside an isolated test: the test's transaction). */
  names(): Promise<string[]>;
  /** Rows in the file as another SQLScope (its own connections) sees them: only what was really committed. */
  committedCount(): Promise<number>;
  cleanup(): Promise<void>;
}

/** A real SQLite file with the app's schema, committed before any test isolates it. */
export async function createSqliteDb(commit: CommitMode = "autocommit"): Promise<SqliteTestDb> {
  const dir = mkdtempSync(join(tmpdir(), "sqlscope-testing-"));
  const file = join(dir, "app.db");
  const warnings: Error[] = [];
  const db = new SQLScope({ onWarning: (w) => warnings.push(w), finishTimeoutMs: 2_000 }).add(
    sqlite({ filename: file }),
    {
      key: "db",
      commit,
      pool: { max: 4, acquireTimeoutMs: 5_000 },
    },
  );
  await db.runInScope(() => getSession().executeScript(SCHEMA));
  const observer = new SQLScope().add(sqlite({ filename: file }), { key: "observer" });
  return {
    db,
    file,
    warnings,
    names: () =>
      db.runInScope(async () =>
        (await getSession().select<{ name: string }>("SELECT name FROM items ORDER BY id")).map((r) => r.name),
      ),
    committedCount: () => observer.runInScope(() => getSession().selectValue<number>("SELECT count(*) FROM items")),
    async cleanup() {
      await db.close();
      await observer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
