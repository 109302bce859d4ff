// Throwaway database servers for tests. startPostgres/startMariadb are for test/global-setup.ts;
// test files read the URLs with postgresTestUrl()/mysqlTestUrl()/pgbouncerTestUrl()/replicaTestUrl().
export { startPostgres } from "./postgres.ts";
export { startMariadb, MARIADB_TEST_USER } from "./mariadb.ts";
export { startPgbouncer, PGBOUNCER_SETTINGS } from "./pgbouncer.ts";
export { startReplica } from "./replica.ts";
export { type RunningServer, ServerCommandError } from "./process.ts";
export { postgresTestUrl, mysqlTestUrl, pgbouncerTestUrl, replicaTestUrl } from "./provided.ts";
