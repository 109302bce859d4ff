import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQLScope, type CommitMode } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";

// Helpers the framework adapters' own tests share (Koa, Hono, Fastify), beside the shared suite.

/**
 * A real SQLite file with two tables: `items`, and `children`, whose foreign key is checked only at
 * COMMIT, so inserting an orphan child makes the commit itself fail.
 */
export const SCHEMA = `
  CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
  CREATE TABLE parents (id INTEGER PRIMARY KEY);
  CREATE TABLE children (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER NOT NULL REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED
  );
`;

export interface TestDb {
  db: SQLScope;
  warnings: Error[];
  count(name?: string): Promise<number>;
  cleanup(): Promise<void>;
}

export async function createTestDb(
  options: { commit?: CommitMode; max?: number; acquireTimeoutMs?: number } = {},
): Promise<TestDb> {
  const dir = mkdtempSync(join(tmpdir(), "sqlscope-adapter-"));
  const warnings: Error[] = [];
  const db = new SQLScope({ onWarning: (w) => warnings.push(w), finishTimeoutMs: 2_000 }).add(
    sqlite({ filename: join(dir, "test.db") }),
    {
      key: "db",
      commit: options.commit ?? "autocommit",
      pool: { max: options.max ?? 4, acquireTimeoutMs: options.acquireTimeoutMs ?? 5_000 },
    },
  );
  await db.runInScope(() => db.getSession().executeScript(SCHEMA));
  return {
    db,
    warnings,
    count: (name) =>
      db.runInScope(() =>
        name === undefined
          ? db.getSession().selectValue<number>("SELECT count(*) FROM items")
          : db.getSession().selectValue<number>("SELECT count(*) FROM items WHERE name = ?", [name]),
      ),
    async cleanup() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `check` holds, polling; rejects after `ms`. For things that settle after a response. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Promise.withResolvers, which Node 20 lacks. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
