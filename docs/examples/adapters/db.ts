// The database the adapter pages' apps use: one SQLite file, committed on 2xx.
import { SQLScope } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";

export const db = new SQLScope().add(sqlite({ filename: "app.db" }), { commit: "autocommit" });
