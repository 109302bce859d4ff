import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** A PostgreSQL URL for a superuser, or null when no server could be had (suites skip locally). */
    sqlscopePostgresUrl: string | null;
    /** A MariaDB/MySQL URL for a user that may create databases, or null (suites skip locally). */
    sqlscopeMysqlUrl: string | null;
    /** A PgBouncer (transaction pooling) in front of sqlscopePostgresUrl's server, or null. */
    sqlscopePgbouncerUrl: string | null;
    /** A streaming replica (hot standby) of sqlscopePostgresUrl's server, or null. */
    sqlscopeReplicaUrl: string | null;
  }
}

/**
 * The PostgreSQL server of this test run (started by test/global-setup.ts or SQLSCOPE_PG_URL), or
 * undefined when there is none: skip with `describe.skipIf(!url)`. Naming this function in a test file
 * is what makes the global setup start PostgreSQL for it.
 *
 * @example
 * const url = postgresTestUrl();
 * describe.skipIf(url === undefined)("postgres", () => { ... });
 */
export function postgresTestUrl(): string | undefined {
  return required(inject("sqlscopePostgresUrl"), "PostgreSQL");
}

/** Like postgresTestUrl(), for MariaDB/MySQL (SQLSCOPE_MYSQL_URL). */
export function mysqlTestUrl(): string | undefined {
  return required(inject("sqlscopeMysqlUrl"), "MariaDB");
}

/**
 * A PgBouncer in transaction pooling mode in front of the test PostgreSQL (SQLSCOPE_PGBOUNCER_URL), or
 * undefined. The same database names as on the server: create a database there, then connect to it
 * through this URL with its path changed. Naming this function starts PgBouncer (and PostgreSQL).
 *
 * @example
 * const bouncer = pgbouncerTestUrl();
 * describe.skipIf(bouncer === undefined)("through PgBouncer", () => { ... });
 */
export function pgbouncerTestUrl(): string | undefined {
  return required(inject("sqlscopePgbouncerUrl"), "PgBouncer");
}

/**
 * A streaming replica of the test PostgreSQL (SQLSCOPE_PG_REPLICA_URL), or undefined: every database
 * created on the primary appears here once replayed. Naming this function starts it (and PostgreSQL).
 *
 * @example
 * const replica = replicaTestUrl();
 * describe.skipIf(replica === undefined)("reads on a replica", () => { ... });
 */
export function replicaTestUrl(): string | undefined {
  return required(inject("sqlscopeReplicaUrl"), "The PostgreSQL replica");
}

// A second guard behind the global setup's: in CI no suite may skip for want of a server, even if the
// setup's detection of which files need one ever misses a file.
function required(url: string | null, label: string): string | undefined {
  if (url !== null) return url;
  if (process.env.CI === "true" || process.env.CI === "1") {
    throw new Error(`${label} is not available and CI=true forbids skipping its tests: see test/global-setup.ts.`);
  }
  return undefined;
}
