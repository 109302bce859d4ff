// vitest globalSetup: one throwaway PostgreSQL and one MariaDB per test run, started in parallel and
// only when a selected test file asks for them (by naming postgresTestUrl()/mysqlTestUrl()), so runs
// of other packages pay nothing. A PgBouncer in transaction mode (pgbouncerTestUrl()) and a streaming
// replica (replicaTestUrl()) sit on that PostgreSQL, started only for the files that name them.
// SQLSCOPE_PG_URL / SQLSCOPE_MYSQL_URL / SQLSCOPE_PGBOUNCER_URL / SQLSCOPE_PG_REPLICA_URL point at
// existing servers instead. In CI (CI=true) a server that cannot start fails the run; locally its
// suites skip with one loud line.
import { readFile } from "node:fs/promises";
import type { TestProject } from "vitest/node";
import { startMariadb } from "../packages/test-support/src/servers/mariadb.ts";
import { startPgbouncer } from "../packages/test-support/src/servers/pgbouncer.ts";
import { startPostgres } from "../packages/test-support/src/servers/postgres.ts";
import { startReplica } from "../packages/test-support/src/servers/replica.ts";
import type { RunningServer } from "../packages/test-support/src/servers/process.ts";
import "../packages/test-support/src/servers/provided.ts";

interface ServerSpec {
  readonly label: string;
  readonly envVar: string;
  readonly marker: RegExp;
  readonly install: string;
  /** `primary`: the PostgreSQL URL, for the servers that sit on it. */
  readonly start: (primary: string) => Promise<RunningServer>;
}

const POSTGRES: ServerSpec = {
  label: "PostgreSQL",
  envVar: "SQLSCOPE_PG_URL",
  marker: /\bpostgresTestUrl\b|\bsqlscopePostgresUrl\b/,
  install: "apt-get install -y postgresql (the binaries in /usr/lib/postgresql/<version>/bin are found)",
  start: startPostgres,
};

const MARIADB: ServerSpec = {
  label: "MariaDB",
  envVar: "SQLSCOPE_MYSQL_URL",
  marker: /\bmysqlTestUrl\b|\bsqlscopeMysqlUrl\b/,
  install: "apt-get install -y mariadb-server",
  start: startMariadb,
};

const PGBOUNCER: ServerSpec = {
  label: "PgBouncer",
  envVar: "SQLSCOPE_PGBOUNCER_URL",
  marker: /\bpgbouncerTestUrl\b/,
  install: "apt-get install -y pgbouncer",
  start: startPgbouncer,
};

const REPLICA: ServerSpec = {
  label: "PostgreSQL replica",
  envVar: "SQLSCOPE_PG_REPLICA_URL",
  marker: /\breplicaTestUrl\b/,
  install: "apt-get install -y postgresql (pg_basebackup comes with it)",
  start: startReplica,
};

const inCI = process.env.CI === "true" || process.env.CI === "1";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wanted = await selectedFilesNeed(project);
  const started: RunningServer[] = [];
  const onTop: RunningServer[] = [];
  // The servers on PostgreSQL need it: a file naming only pgbouncerTestUrl() still starts it.
  const needsPostgres = wanted.postgres || wanted.pgbouncer || wanted.replica;
  const postgres = provision(POSTGRES, needsPostgres, started, "");
  const onPostgres = (spec: ServerSpec, needed: boolean) =>
    postgres.then(
      (url) => (url === null ? null : provision(spec, needed, onTop, url)),
      () => null,
    );
  const results = await Promise.allSettled([
    postgres,
    provision(MARIADB, wanted.mysql, started, ""),
    onPostgres(PGBOUNCER, wanted.pgbouncer),
    onPostgres(REPLICA, wanted.replica),
  ]);
  // PgBouncer and the replica stop before the PostgreSQL they sit on.
  const teardown = async () => {
    await Promise.all(onTop.map((server) => server.stop()));
    await Promise.all(started.map((server) => server.stop()));
  };
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failures.length > 0) {
    await teardown();
    throw failures[0]?.reason;
  }
  const [pg, my, bouncer, replica] = results.map((r) => (r.status === "fulfilled" ? r.value : null));
  // This setup is the root config's: it runs once per run and hands the servers to every package's project.
  for (const target of [project, ...project.vitest.projects]) {
    target.provide("sqlscopePostgresUrl", pg ?? null);
    target.provide("sqlscopeMysqlUrl", my ?? null);
    target.provide("sqlscopePgbouncerUrl", bouncer ?? null);
    target.provide("sqlscopeReplicaUrl", replica ?? null);
  }
  return teardown;
}

/** The server's URL, or null when it is not needed or (locally) could not start. Throws in CI. */
async function provision(
  spec: ServerSpec,
  needed: boolean,
  started: RunningServer[],
  primary: string,
): Promise<string | null> {
  const fromEnv = process.env[spec.envVar];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!needed) return null;
  try {
    const server = await spec.start(primary);
    started.push(server);
    return server.url;
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    if (inCI) {
      throw new Error(
        `${spec.label} could not start, and CI=true forbids skipping its tests: ${why}. Install it: ${spec.install}.`,
        { cause: error },
      );
    }
    console.warn(
      `\n!!! [sqlscope] ${spec.label} tests SKIPPED: no server could be started (${why}). ` +
        `Install it (${spec.install}) or set ${spec.envVar} to an existing server's URL.\n`,
    );
    return null;
  }
}

/** Which servers the selected test files use. When the files cannot be listed, both. */
async function selectedFilesNeed(
  project: TestProject,
): Promise<Record<"postgres" | "mysql" | "pgbouncer" | "replica", boolean>> {
  try {
    // The CLI file filters of this run (vitest keeps them on `filenamePattern`, not a public field yet).
    const filters =
      (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern ?? project.vitest.config.filters;
    const globbed = await Promise.all(project.vitest.projects.map((p) => p.globTestFiles(filters)));
    const testFiles = globbed.flatMap((g) => g.testFiles);
    const texts = await Promise.all(testFiles.map((file) => readFile(file, "utf8").catch(() => "")));
    return {
      postgres: texts.some((t) => POSTGRES.marker.test(t)),
      mysql: texts.some((t) => MARIADB.marker.test(t)),
      pgbouncer: texts.some((t) => PGBOUNCER.marker.test(t)),
      replica: texts.some((t) => REPLICA.marker.test(t)),
    };
  } catch {
    return { postgres: true, mysql: true, pgbouncer: true, replica: true };
  }
}
