// Each database flavour is its own entry point, so an app loads only the driver library it uses:
//   import { drizzleSqlite } from "@sqlscope/drizzle/sqlite";
//   import { drizzlePostgres } from "@sqlscope/drizzle/postgres";
//   import { drizzleMysql } from "@sqlscope/drizzle/mysql";
export type { ScopeOptions } from "./session-for.ts";
