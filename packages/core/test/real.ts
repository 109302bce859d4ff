// Real parts for the feature tests (hooks, retries, typed rows, diagnostics): a SQLite file in a temp
// directory and an Express app listening on 127.0.0.1.
import express, { type Express } from "express";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqlscope } from "@sqlscope/express";
import { sqlite } from "@sqlscope/sqlite";
import { listen } from "@sqlscope/testkit";
import { SQLScope, type AddOptions, type SQLScopeOptions } from "../src/index.ts";

export interface RealDb {
  readonly db: SQLScope;
  readonly warnings: Error[];
  readonly file: string;
  close(): Promise<void>;
}

/** A SQLScope over a fresh SQLite file with `schema` applied, collecting warnings. */
export async function sqliteDb(schema: string, add: AddOptions = {}, options: SQLScopeOptions = {}): Promise<RealDb> {
  const dir = mkdtempSync(join(tmpdir(), "sqlscope-core-"));
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
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An Express app with the sqlscope middleware, listening on a free port; `mount` adds the routes. */
export async function expressServer(db: SQLScope, mount: (app: Express) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.use(sqlscope(db));
  mount(app);
  return listen(createServer(app));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise with its resolve function, to hand control between two scopes at a chosen point. */
export function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}
