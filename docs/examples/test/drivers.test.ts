// drivers.md and migration.md: each driver's set-up line, as shown, on a real database. SQLite and
// DuckDB open files in a temp directory; PostgreSQL and MariaDB are the run's throwaway servers
// (postgresTestUrl()/mysqlTestUrl(), test/global-setup.ts), and skip loudly there when absent locally.
import { createServer } from "node:http";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { getSession, type SQLScope } from "@sqlscope/core";
import { mysqlTestUrl, postgresTestUrl } from "@sqlscope/test-support";
import { inTempCwd, listen, post } from "./real.ts";

inTempCwd();

/** Imports a drivers/*.ts sample with DATABASE_URL set (the samples read it at import time). */
async function sample(name: string, url?: string): Promise<SQLScope> {
  if (url !== undefined) process.env.DATABASE_URL = url;
  const { db } = (await import(`../drivers/${name}.ts`)) as { db: SQLScope };
  return db;
}

/** Runs a write and a read in one committed scope and a rolled-back one, through the sample's db. */
async function roundTrip(db: SQLScope, key?: string): Promise<unknown> {
  const s = () => getSession(key);
  try {
    await db.runInScope(async () => {
      await s().execute("DROP TABLE IF EXISTS docs_drivers");
      await s().execute("CREATE TABLE docs_drivers (n INTEGER)");
      await s().execute("INSERT INTO docs_drivers VALUES (?)", [1]);
    });
    await expect(
      db.runInScope(async () => {
        await s().execute("INSERT INTO docs_drivers VALUES (?)", [2]);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    return await db.runInScope(() => s().select("SELECT n FROM docs_drivers"));
  } finally {
    await db.close();
  }
}

describe("drivers.md", () => {
  it("sqlite", async () => expect(await roundTrip(await sample("sqlite"))).toEqual([{ n: 1 }]));
  it("duckdb", async () => expect(await roundTrip(await sample("duckdb"), "events")).toEqual([{ n: 1 }]));
  const pgUrl = postgresTestUrl();
  it.skipIf(pgUrl === undefined)("postgres", async () => expect(await roundTrip(await sample("postgres", pgUrl))).toEqual([{ n: 1 }]));
  const myUrl = mysqlTestUrl();
  it.skipIf(myUrl === undefined)("mysql", async () => expect(await roundTrip(await sample("mysql", myUrl))).toEqual([{ n: 1 }]));
});

describe.skipIf(postgresTestUrl() === undefined)("migration.md, on PostgreSQL", () => {
  const url = postgresTestUrl() ?? "";
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  afterAll(() => pool.end());

  for (const version of ["before", "after"] as const) {
    it(`${version}: a 201 order is saved, a failing one is not`, async () => {
      await pool.query("DROP TABLE IF EXISTS orders; CREATE TABLE orders (customer TEXT NOT NULL, total INTEGER NOT NULL CHECK (total > 0))");
      const built = version === "before" ? { app: (await import("../migration/before.ts")).createApp(pool) } : (await import("../migration/after.ts")).createApp(url);
      const server = await listen(createServer(built.app));
      try {
        expect((await post(`${server.url}/orders`, { customer: "ada", total: 5 })).status).toBe(201);
        expect((await post(`${server.url}/orders`, { customer: "bob", total: -1 })).status).toBe(500);
      } finally {
        await server.close();
        if ("db" in built) await built.db.close();
      }
      expect((await pool.query("SELECT customer FROM orders")).rows).toEqual([{ customer: "ada" }]);
    });
  }
});
