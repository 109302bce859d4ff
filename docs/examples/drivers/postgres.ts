import { SQLScope } from "@sqlscope/core";
import { postgres } from "@sqlscope/postgres";

export const db = new SQLScope().add(
  postgres({ connectionString: process.env.DATABASE_URL ?? "postgres://localhost/app", statementTimeoutMs: 5_000 }),
  { commit: "autocommit" },
);
