// The app's SQLScope: one SQLite file, committed when a request answers 2xx.
import { SQLScope } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";

export const db = new SQLScope().add(sqlite({ filename: "app.db" }), { commit: "autocommit" });

/** The tables the users routes need; run it once, in a scope that commits. */
export const schema = "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)";
