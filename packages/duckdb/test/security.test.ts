import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, getSession, QueryError, SQLScope, UnsupportedError } from "@sqlscope/core";
import { type Driver } from "@sqlscope/core/driver";
import { afterAll, describe, expect, it } from "vitest";
import { duckdb, type DuckDBOptions } from "../src/index.ts";

const dir = mkdtempSync(join(tmpdir(), "sqlscope-duckdb-security-"));
const registries: SQLScope[] = [];
afterAll(async () => {
  for (const db of registries) await db.close();
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
function open(options: Partial<DuckDBOptions> = {}): { db: SQLScope; connects: () => number } {
  const driver = duckdb({ path: join(dir, `s${++files}.duckdb`), ...options });
  let connects = 0;
  const connect = driver.connect.bind(driver);
  const counted: Driver = {
    ...driver,
    connect: () => {
      connects++;
      return connect();
    },
  };
  const db = new SQLScope({ onWarning: () => undefined }).add(counted, { commit: "manual", pool: { max: 1 } });
  registries.push(db);
  return { db, connects: () => connects };
}

describe("@sqlscope/duckdb: one statement per call", () => {
  it("a text with two statements fails with a clear error and runs neither, with or without parameters", async () => {
    const { db } = open();
    await db.runInScope(() => getSession().execute("CREATE TABLE marks (n INTEGER)"));
    await db.runInScope(async () => {
      const s = getSession();
      const twice = s.execute("INSERT INTO marks VALUES (1); INSERT INTO marks VALUES (2)");
      await expect(twice).rejects.toBeInstanceOf(UnsupportedError);
      await expect(twice).rejects.toThrow(/more than one statement.*executeScript/);
      // With parameters, DuckDB's run() would execute every statement but the last without them.
      await expect(s.execute("DELETE FROM marks; INSERT INTO marks VALUES (?)", [3])).rejects.toBeInstanceOf(
        UnsupportedError,
      );
    });
    expect(await db.runInScope(() => getSession().selectValue("SELECT count(*) FROM marks"))).toBe(0);
    await db.runInScope(() => getSession().executeScript("INSERT INTO marks VALUES (1); INSERT INTO marks VALUES (2)"));
    expect(await db.runInScope(() => getSession().selectValue("SELECT count(*) FROM marks"))).toBe(2);
  });
});

describe("@sqlscope/duckdb: session state", () => {
  it("plain DML keeps the connection; SET closes it on release, so the next scope starts clean", async () => {
    const { db, connects } = open();
    await db.runInScope(() => getSession().execute("CREATE TABLE t (v INTEGER)"));
    await db.runInScope(() => getSession().select("SELECT 1")); // CREATE made the first connection dirty
    const before = connects();
    for (let i = 0; i < 3; i++) {
      await db.runInScope(async () => {
        await getSession().execute("INSERT INTO t VALUES (?)", [i]);
        await getSession().select("FROM t");
      });
    }
    expect(connects()).toBe(before);
    await db.runInScope(() => getSession().execute("SET VARIABLE tenant = 'a'"));
    expect(await db.runInScope(() => getSession().selectValue("SELECT getvariable('tenant')"))).toBeNull();
    expect(connects()).toBe(before + 1);
  });
});

describe("@sqlscope/duckdb: externalAccess", () => {
  it("false keeps SQL away from files: read_csv and COPY TO fail, and SQL cannot switch it back on", async () => {
    const csv = join(dir, "secret.csv");
    writeFileSync(csv, "a\n1\n");
    const { db } = open({ externalAccess: false });
    await db.runInScope(async () => {
      const s = getSession();
      await expect(s.select(`SELECT * FROM read_csv('${csv}')`)).rejects.toBeInstanceOf(QueryError);
      await expect(s.execute(`COPY (SELECT 1) TO '${join(dir, "out.csv")}'`)).rejects.toBeInstanceOf(QueryError);
      await expect(s.execute("SET enable_external_access = true")).rejects.toBeInstanceOf(QueryError);
    });
    const { db: plain } = open();
    expect(await plain.runInScope(() => getSession().select(`SELECT * FROM read_csv('${csv}')`))).toEqual([{ a: 1 }]);
  });

  it("refuses a contradicting config", () => {
    expect(() =>
      duckdb({ path: ":memory:", externalAccess: false, config: { enable_external_access: "true" } }),
    ).toThrow(ConfigError);
  });
});
