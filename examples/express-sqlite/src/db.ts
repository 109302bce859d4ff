import { fileURLToPath } from "node:url";
import { SQLScope } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";

/**
 * The app's databases. One key, "db", in autocommit mode: every request that touches it runs in one
 * transaction that commits before a 2xx leaves and rolls back on anything else.
 */
export function createDatabase(
  filename = process.env.SQLSCOPE_DB ?? fileURLToPath(new URL("../users.db", import.meta.url)),
): SQLScope {
  return new SQLScope().add(sqlite({ filename }), { key: "db", commit: "autocommit" });
}

export const schema = `
  CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  CREATE TABLE IF NOT EXISTS credentials (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    salt TEXT NOT NULL,
    hash TEXT NOT NULL
  );
`;
