// What the query-builder packages' tests share (@sqlscope/kysely, @sqlscope/drizzle): a fresh database
// per test file on each real server, and the adapter guarantees over real HTTP.
export { freshDatabase, schemaSql, type Flavor, type FreshDatabase } from "./databases.ts";
export { builderHttpTests, startApp, type BuilderRoutes, type Framework } from "./http.ts";
