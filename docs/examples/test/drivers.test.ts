// drivers.md and migration.md: each driver's set-up line, as shown, on a real database. SQLite and
// DuckDB open files in a temp directory; PostgreSQL and MariaDB are the run's throwaway servers
// (postgresTestUrl()/mysqlTestUrl(), test/global-setup.ts), and skip loudly there when absent locally.
import { createServer } from "node:http";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { getSession, SQLScope, type Session } from "@sqlscope/core";
import type { Driver } from "@sqlscope/core/driver";
import { mysqlTestUrl, postgresTestUrl } from "@sqlscope/test-support";
import * as values from "../drivers/values.ts";
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
  it.skipIf(pgUrl === undefined)("postgres", async () =>
    expect(await roundTrip(await sample("postgres", pgUrl))).toEqual([{ n: 1 }]),
  );
  const myUrl = mysqlTestUrl();
  it.skipIf(myUrl === undefined)("mysql", async () =>
    expect(await roundTrip(await sample("mysql", myUrl))).toEqual([{ n: 1 }]),
  );
});

describe("drivers.md, values: the other mappings", () => {
  /** Runs fn on a scope of its own over `driver`, in a time zone that is not UTC, and closes the SQLScope. */
  async function on<T>(driver: Driver, fn: (s: Session) => Promise<T>): Promise<T> {
    const db = new SQLScope().add(driver);
    const zone = process.env.TZ;
    process.env.TZ = "Asia/Kolkata";
    try {
      return await db.runInScope(() => fn(getSession()));
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
      await db.close();
    }
  }

  it("sqlite: safeIntegers", async () => {
    expect(
      await on(values.sqliteBigints(), (s) => s.selectOne("SELECT count(*) AS n, 9007199254740993 AS big")),
    ).toEqual({ n: 1n, big: 9007199254740993n });
  });

  it("duckdb: integers: bigint", async () => {
    expect(await on(values.duckdbBigints(), (s) => s.selectOne("SELECT count(*) AS n, 7::BIGINT AS b"))).toEqual({
      n: 1n,
      b: 7n,
    });
  });

  const pgUrl = postgresTestUrl();
  it.skipIf(pgUrl === undefined)("postgres: types", async () => {
    const row = await on(values.postgresTypes(pgUrl ?? ""), (s) =>
      s.selectOne("SELECT count(*) AS n, DATE '2024-01-02' AS d FROM generate_series(1, 3)"),
    );
    expect(row).toStrictEqual({ n: 3n, d: "2024-01-02" });
  });

  const myUrl = mysqlTestUrl();
  it.skipIf(myUrl === undefined)("mysql: time_zone, timezone, bigNumberStrings, dateStrings", async () => {
    const row = await on(values.mysqlOptions(myUrl ?? ""), async (s) => {
      await s.execute("CREATE TEMPORARY TABLE docs_values (b BIGINT, d DATE, dt DATETIME(3), ts TIMESTAMP(3))");
      await s.execute(
        "INSERT INTO docs_values VALUES (7, '2024-01-02', '2024-01-02 03:04:05.678', '2024-01-02 03:04:05.678')",
      );
      return s.selectOne<Record<string, unknown>>(
        "SELECT b, d, dt, ts, (SELECT sum(b) FROM docs_values) AS total FROM docs_values",
      );
    });
    expect(row).toStrictEqual({
      b: "7",
      d: "2024-01-02",
      dt: new Date("2024-01-02T03:04:05.678Z"),
      ts: new Date("2024-01-02T03:04:05.678Z"),
      total: "7",
    });
  });
});

describe.skipIf(postgresTestUrl() === undefined)("migration.md, on PostgreSQL", () => {
  const url = postgresTestUrl() ?? "";
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  afterAll(() => pool.end());

  for (const version of ["before", "after"] as const) {
    it(`${version}: a 201 order is saved, a failing one is not`, async () => {
      await pool.query(
        "DROP TABLE IF EXISTS orders; CREATE TABLE orders (customer TEXT NOT NULL, total INTEGER NOT NULL CHECK (total > 0))",
      );
      const built =
        version === "before"
          ? { app: (await import("../migration/before.ts")).createApp(pool) }
          : (await import("../migration/after.ts")).createApp(url);
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
