// Throwaway database servers for tests. startPostgres/startMariadb are for test/global-setup.ts;
// test files read the URLs with postgresTestUrl()/mysqlTestUrl().
export { startPostgres } from "./postgres.ts";
export { startMariadb, MARIADB_TEST_USER } from "./mariadb.ts";
export { type RunningServer, ServerCommandError } from "./process.ts";
export { postgresTestUrl, mysqlTestUrl } from "./provided.ts";
