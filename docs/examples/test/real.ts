// Real parts the docs tests run the samples on: SQLite files in a temp directory, servers on 127.0.0.1.
import express, { type Express } from "express";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQLScope, type AddOptions, type SQLScopeOptions } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/express";
import { sqlite } from "@sqlscope/sqlite";
import { listen } from "@sqlscope/testkit";

export { listen };

export interface RealDb {
  readonly db: SQLScope;
  readonly warnings: Error[];
  readonly file: string;
  close(): Promise<void>;
}

/** A fresh temp directory, removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "sqlscope-docs-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Samples that open "app.db" relative to the working directory run in a temp directory: vitest's forks
 * pool gives each test file its own process, so changing it here touches no other file's tests.
 */
export function inTempCwd(): string {
  const { dir } = tempDir();
  process.chdir(dir);
  return dir;
}

/** A SQLScope over a fresh SQLite file with `schema` applied, collecting warnings. */
export async function sqliteDb(schema: string, add: AddOptions = {}, options: SQLScopeOptions = {}): Promise<RealDb> {
  const { dir, remove } = tempDir();
  const file = join(dir, "app.db");
  const warnings: Error[] = [];
  const db = new SQLScope({ onWarning: (w) => warnings.push(w), ...options }).add(sqlite({ filename: file }), {
    key: "db",
    commit: "autocommit",
    ...add,
  });
  await db.runInScope(() => db.getSession().executeScript(schema));
  return {
    db,
    warnings,
    file,
    close: async () => {
      await db.close();
      remove();
    },
  };
}

/** An Express app with the sqlscope middleware, listening on a free port; `mount` adds the routes. */
export async function expressServer(db: SQLScope, mount: (app: Express) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.use(express.json());
  app.use(sqlscope(db));
  mount(app);
  return listen(createServer(app));
}

/** JSON POST. */
export const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
