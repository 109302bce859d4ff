// Real parts for feature tests outside the adapter suite (integration tests, the docs' samples): a
// SQLite file in a temp directory, and an Express app on 127.0.0.1.
import express, { type Express } from "express";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQLScope, type AddOptions, type SQLScopeOptions } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/express";
import { sqlite } from "@sqlscope/sqlite";
import { listen } from "@sqlscope/test-support";

export interface RealDb {
  readonly db: SQLScope;
  readonly warnings: Error[];
  readonly file: string;
  close(): Promise<void>;
}

/** A fresh temp directory, removed by the returned function. */
export function tempDir(prefix = "sqlscope-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A SQLScope (autocommit unless `add` says otherwise) over a fresh SQLite file with `schema` applied, collecting warnings. */
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

/** An Express app with express.json() and the sqlscope middleware, listening on a free port; `mount` adds the routes. */
export async function expressServer(
  db: SQLScope,
  mount: (app: Express) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.use(express.json());
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

/** The rejection reason of `p`; fails the test when `p` resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, but the promise resolved");
}
