import { postgres } from "@sqlscope/postgres";
import pg from "pg";
import type { Backend } from "./types.ts";

const SCHEMA = `
  CREATE TABLE items (id bigserial PRIMARY KEY, tag text NOT NULL, seq int NOT NULL DEFAULT 0);
  CREATE INDEX items_tag ON items (tag);
  CREATE TABLE parents (id int PRIMARY KEY);
  CREATE TABLE blobs (id bigserial PRIMARY KEY, body text NOT NULL);
  -- Checked only at COMMIT: the one way to make a real COMMIT fail on demand.
  CREATE TABLE children (
    id bigserial PRIMARY KEY,
    tag text NOT NULL,
    parent_id int NOT NULL REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED
  );
`;

/**
 * A database of its own on the PostgreSQL test server, with the scenario schema.
 *
 * @example
 * const backend = await postgresBackend(postgresTestUrl()!, "faults");
 * const db = new SQLScope().add(backend.driver(), { commit: "autocommit" });
 */
export async function postgresBackend(serverUrl: string, prefix: string): Promise<Backend> {
  const name = `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  // The admin connection is ours and outlives the faults; an error here must fail a query, not the process.
  admin.on("error", () => undefined);
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  const schemaClient = new pg.Client({ connectionString: dbUrl });
  await schemaClient.connect();
  await schemaClient.query(SCHEMA);
  await schemaClient.end();

  const scalar = async (sql: string, params: unknown[] = []): Promise<number> => {
    const result = await admin.query<{ n: string | number }>(sql, params);
    return Number(result.rows[0]?.n ?? 0);
  };
  // The admin connection sits in database "postgres" (serverUrl), so datname = name is only sqlscope's.
  return {
    name: "postgres",
    url: dbUrl,
    driver: (target = dbUrl) => postgres({ connectionString: target, connectTimeoutMs: 5_000 }),
    backendIdSql: "SELECT pg_backend_pid() AS id",
    sleepSql: (seconds) => `SELECT pg_sleep(${seconds})`,
    async kill(id) {
      await admin.query("SELECT pg_terminate_backend($1)", [id]);
    },
    async alive(id) {
      return (await scalar("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1", [id])) > 0;
    },
    async running(id, fragment) {
      const n = await scalar(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND position($2 in query) > 0",
        [id, fragment],
      );
      return n > 0;
    },
    openTransactions: () =>
      scalar(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND (xact_start IS NOT NULL OR state LIKE 'idle in transaction%')",
        [name],
      ),
    sessions: () =>
      scalar("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", [
        name,
      ]),
    async sessionIds() {
      const result = await admin.query<{ id: number }>(
        "SELECT pid AS id FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
        [name],
      );
      return result.rows.map((r) => Number(r.id));
    },
    async committedRows() {
      const client = new pg.Client({ connectionString: dbUrl });
      await client.connect();
      try {
        const result = await client.query<{ tag: string; n: string }>(
          "SELECT tag, count(*) AS n FROM items GROUP BY tag",
        );
        return new Map(result.rows.map((r) => [r.tag, Number(r.n)]));
      } finally {
        await client.end();
      }
    },
    async adminQuery(sql) {
      const client = new pg.Client({ connectionString: dbUrl });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    async close() {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
