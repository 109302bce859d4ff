import { fileURLToPath } from "node:url";
import { SQLScope, type SQLScopeOptions } from "@sqlscope/core";
import { duckdb } from "@sqlscope/duckdb";
import { sqlite } from "@sqlscope/sqlite";

export interface DatabaseFiles {
  /** The SQLite file holding users (key "db"). */
  users: string;
  /** The DuckDB file holding events (key "events"). */
  events: string;
}

const here = (name: string) => fileURLToPath(new URL(`../${name}`, import.meta.url));

/** Where main.ts keeps its data: next to this folder, or where SQLSCOPE_DB / SQLSCOPE_EVENTS_DB say. */
export function defaultFiles(): DatabaseFiles {
  return {
    users: process.env.SQLSCOPE_DB ?? here("users.db"),
    events: process.env.SQLSCOPE_EVENTS_DB ?? here("events.duckdb"),
  };
}

/**
 * Two databases, two policies. "db" (SQLite, the default key) commits on 2xx only. "events" (DuckDB)
 * commits on 2xx and also on 400: a rejected sign-up still counts on the dashboard, while anything the
 * same request wrote to the users database rolls back.
 *
 * @example
 * const db = createDatabases({ users: "users.db", events: "events.duckdb" });
 */
export function createDatabases(files: DatabaseFiles, options: SQLScopeOptions = {}): SQLScope {
  return new SQLScope(options)
    .add(sqlite({ filename: files.users }), { key: "db", commit: "autocommit" })
    .add(duckdb({ path: files.events }), { key: "events", commit: "autocommit", extraCommitStatuses: [400] });
}

export const usersSchema = `
  CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
  );
`;

// DuckDB has no AUTOINCREMENT: keys come from a sequence.
export const eventsSchema = `
  CREATE SEQUENCE IF NOT EXISTS event_ids;
  CREATE TABLE IF NOT EXISTS events (
    id BIGINT PRIMARY KEY DEFAULT nextval('event_ids'),
    type VARCHAR NOT NULL,
    subject VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
  );
`;

/**
 * Creates both schemas in one scope of their own (committed when it resolves).
 *
 * @example
 * await createSchemas(db);
 */
export async function createSchemas(db: SQLScope): Promise<void> {
  await db.runInScope(async () => {
    await db.getSession("db").executeScript(usersSchema);
    await db.getSession("events").executeScript(eventsSchema);
  });
}
