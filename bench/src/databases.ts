import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DbTarget, DriverName } from "./server/config.ts";

/** A database ready for one group of servers: a target per server name, and how to tear it down. */
export interface PreparedDatabase {
  /** Seeds (embedded engines: a fresh file per name) and returns where the server finds it. */
  target(name: string): Promise<DbTarget>;
  stop(): Promise<void>;
}

const NAMES = ["Ada", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia"];

function row(id: number): [number, string, string, number] {
  const name = `${NAMES[id % NAMES.length] ?? "User"} ${id}`;
  return [id, name, `user${id}@example.test`, 0];
}

/** SQLite: one seeded file per server, so no two variants share a WAL or a page cache. */
async function sqliteFiles(dir: string, rows: number): Promise<PreparedDatabase> {
  const Database = (await import("better-sqlite3")).default;
  return {
    async target(name) {
      const file = join(dir, `${name}.sqlite`);
      const db = new Database(file);
      db.pragma("journal_mode = WAL");
      db.exec(
        "DROP TABLE IF EXISTS users; CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, visits INTEGER NOT NULL)",
      );
      const insert = db.prepare("INSERT INTO users (id, name, email, visits) VALUES (?, ?, ?, ?)");
      db.transaction(() => {
        for (let id = 1; id <= rows; id++) insert.run(...row(id));
      })();
      db.close();
      return { kind: "sqlite", file };
    },
    stop: async () => undefined,
  };
}

/** DuckDB: one seeded file per server (one read-write process per file). */
async function duckdbFiles(dir: string, rows: number): Promise<PreparedDatabase> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  return {
    async target(name) {
      const file = join(dir, `${name}.duckdb`);
      const instance = await DuckDBInstance.create(file);
      const conn = await instance.connect();
      await conn.run(
        "CREATE OR REPLACE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, email VARCHAR NOT NULL, visits INTEGER NOT NULL)",
      );
      await conn.run(
        `INSERT INTO users SELECT i, 'User ' || i, 'user' || i || '@example.test', 0 FROM range(1, ${rows + 1}) t(i)`,
      );
      conn.closeSync();
      instance.closeSync();
      return { kind: "duckdb", file };
    },
    stop: async () => undefined,
  };
}

async function seedNetwork(kind: "postgres" | "mysql", url: string, rows: number): Promise<void> {
  const ids = Array.from({ length: rows }, (_, i) => i + 1);
  if (kind === "postgres") {
    const pg = (await import("pg")).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("DROP TABLE IF EXISTS users");
      await client.query(
        "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL, visits integer NOT NULL)",
      );
      await client.query(
        "INSERT INTO users SELECT i, 'User ' || i, 'user' || i || '@example.test', 0 FROM generate_series(1, $1::int) i",
        [rows],
      );
      await client.query("VACUUM ANALYZE users");
    } finally {
      await client.end();
    }
    return;
  }
  const mysql = await import("mysql2/promise");
  const conn = await mysql.createConnection({ uri: url });
  try {
    await conn.query("DROP TABLE IF EXISTS users");
    await conn.query(
      "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(100) NOT NULL, visits INT NOT NULL) ENGINE=InnoDB",
    );
    for (let i = 0; i < ids.length; i += 1000) {
      await conn.query("INSERT INTO users (id, name, email, visits) VALUES ?", [ids.slice(i, i + 1000).map(row)]);
    }
  } finally {
    await conn.end();
  }
}

/**
 * Prepares `driver` for a run: files under `dir` for the embedded engines, a throwaway server from
 * the private test-support package for PostgreSQL and MariaDB (or the URL in SQLSCOPE_PG_URL / SQLSCOPE_MYSQL_URL).
 */
export async function prepareDatabase(driver: DriverName, dir: string, rows: number): Promise<PreparedDatabase> {
  mkdirSync(dir, { recursive: true });
  switch (driver) {
    case "sqlite":
      return sqliteFiles(dir, rows);
    case "duckdb":
      return duckdbFiles(dir, rows);
    case "postgres":
    case "mysql": {
      const envUrl = process.env[driver === "postgres" ? "SQLSCOPE_PG_URL" : "SQLSCOPE_MYSQL_URL"];
      let url = envUrl;
      let stop = async () => undefined;
      if (url === undefined) {
        const servers = await import("@sqlscope/test-support");
        const running = driver === "postgres" ? await servers.startPostgres() : await servers.startMariadb();
        url = running.url;
        stop = async () => {
          await running.stop();
        };
      }
      await seedNetwork(driver, url, rows);
      const target: DbTarget = driver === "postgres" ? { kind: "postgres", url } : { kind: "mysql", url };
      return { target: async () => target, stop };
    }
  }
}
