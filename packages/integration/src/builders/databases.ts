import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "@sqlscope/core/driver";
import { mysql, type MysqlOptions } from "@sqlscope/mysql";
import { postgres } from "@sqlscope/postgres";
import { sqlite } from "@sqlscope/sqlite";
import Database from "better-sqlite3";
import mysql2 from "mysql2/promise";
import pg from "pg";

export type Flavor = "sqlite" | "postgres" | "mysql";

/** A database of its own for one test file, and a way to look at it from outside sqlscope. */
export interface FreshDatabase {
  readonly flavor: Flavor;
  /** A driver for this database; `mysqlOptions` go to mysql() (sessionVariables, ...). */
  driver(mysqlOptions?: Omit<MysqlOptions, "uri">): Driver;
  /** Rows from a connection of its own: sees only what was committed. */
  peek(sql: string): Promise<Record<string, unknown>[]>;
  /** Ends the server-side connection `id` (PostgreSQL backend pid, MySQL connection id). */
  kill(id: number): Promise<void>;
  drop(): Promise<void>;
}

/** Creates a fresh database on the server at `url` (PostgreSQL/MySQL) or a fresh SQLite file. */
export async function freshDatabase(flavor: Flavor, url: string | undefined, prefix: string): Promise<FreshDatabase> {
  const name = `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  if (flavor === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    const filename = join(dir, "test.db");
    return {
      flavor,
      driver: () => sqlite({ filename }),
      async peek(sql) {
        const side = new Database(filename, { readonly: true });
        try {
          return side.prepare(sql).all() as Record<string, unknown>[];
        } finally {
          side.close();
        }
      },
      kill: () => Promise.reject(new Error("SQLite has no server connections to end")),
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const target = new URL(url as string);
  target.pathname = `/${name}`;
  if (flavor === "postgres") {
    const admin = new pg.Client({ connectionString: url });
    admin.on("error", () => undefined);
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const side = new pg.Client({ connectionString: target.toString() });
    side.on("error", () => undefined);
    await side.connect();
    return {
      flavor,
      driver: () => postgres({ connectionString: target.toString() }),
      peek: async (sql) => (await side.query(sql)).rows as Record<string, unknown>[],
      kill: async (id) => void (await admin.query("SELECT pg_terminate_backend($1)", [id])),
      async drop() {
        await side.end();
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const admin = await mysql2.createConnection({ uri: url as string });
  admin.on("error", () => undefined);
  await admin.query(`CREATE DATABASE \`${name}\``);
  const side = await mysql2.createConnection({ uri: target.toString() });
  side.on("error", () => undefined);
  return {
    flavor,
    driver: (mysqlOptions = {}) => mysql({ ...mysqlOptions, uri: target.toString() }),
    peek: async (sql) => (await side.query(sql))[0] as Record<string, unknown>[],
    kill: async (id) => void (await admin.query(`KILL ${Number(id)}`)),
    async drop() {
      await side.end();
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}

/** The schema both suites use: users, posts (for joins), and children whose foreign key is checked at COMMIT. */
export function schemaSql(flavor: Flavor): string {
  const id = { sqlite: "INTEGER PRIMARY KEY", postgres: "SERIAL PRIMARY KEY", mysql: "INT AUTO_INCREMENT PRIMARY KEY" }[
    flavor
  ];
  const str = flavor === "mysql" ? "VARCHAR(255)" : "TEXT";
  const at = { sqlite: "INTEGER", postgres: "TIMESTAMPTZ", mysql: "DATETIME(3)" }[flavor];
  // MySQL checks foreign keys at once, never at COMMIT: its commit failure comes from a killed connection instead.
  const deferred = flavor === "mysql" ? "" : " DEFERRABLE INITIALLY DEFERRED";
  return `
    CREATE TABLE users (id ${id}, email ${str} NOT NULL UNIQUE, age INTEGER, created_at ${at});
    CREATE TABLE posts (id ${id}, user_id INTEGER NOT NULL REFERENCES users (id), title ${str} NOT NULL);
    CREATE TABLE parents (id INTEGER PRIMARY KEY);
    CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents (id)${deferred});
  `;
}
