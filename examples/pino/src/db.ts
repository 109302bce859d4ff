import { fileURLToPath } from "node:url";
import { SQLScope } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";

/** One SQLite file in autocommit mode: each request's work commits before a 2xx leaves. */
export function createDatabase(
  filename = process.env.SQLSCOPE_DB ?? fileURLToPath(new URL("../notes.db", import.meta.url)),
): SQLScope {
  return new SQLScope().add(sqlite({ filename }), { key: "db", commit: "autocommit" });
}

export const schema = `
  CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL DEFAULT ''
  );
`;
