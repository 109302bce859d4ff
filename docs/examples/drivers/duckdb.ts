import { SQLScope } from "@sqlscope/core";
import { duckdb } from "@sqlscope/duckdb";

export const db = new SQLScope().add(duckdb({ path: "events.duckdb" }), { key: "events", commit: "autocommit" });
