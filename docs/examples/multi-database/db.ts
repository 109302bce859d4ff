import { SQLScope } from "@sqlscope/core";
import { duckdb } from "@sqlscope/duckdb";
import { sqlite } from "@sqlscope/sqlite";

export const db = new SQLScope()
  .add(sqlite({ filename: "users.db" }), { key: "db", commit: "autocommit" }) // first added: the default key
  .add(duckdb({ path: "events.duckdb" }), { key: "events", commit: "autocommit", extraCommitStatuses: [400] });
