import { SQLScope } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";

export const db = new SQLScope().add(sqlite({ filename: "app.db" }), { key: "db", commit: "autocommit" });
