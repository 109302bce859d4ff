// What DuckDB values come back as: exact where a double would round (DECIMAL as its decimal text, as
// PostgreSQL's NUMERIC and MySQL's DECIMAL come back), big integers as bigint beyond 2^53.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getSession, SQLScope } from "@sqlscope/core";
import { afterAll, describe, expect, it } from "vitest";
import { duckdb } from "../src/index.ts";

const dir = mkdtempSync(join(tmpdir(), "sqlscope-duckdb-values-"));
const db = new SQLScope({ onWarning: () => undefined }).add(duckdb({ path: join(dir, "values.duckdb") }), {
  commit: "autocommit",
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("@sqlscope/duckdb values", () => {
  it("DECIMAL comes back exact, as text: money keeps its cents", async () => {
    const row = await db.runInScope(() =>
      getSession().selectOne<Record<string, unknown>>(
        "SELECT 99999999999999.9999::DECIMAL(18,4) AS money, 0.1::DECIMAL(10,2) AS dime, CAST(-12345678901234567890.12 AS DECIMAL(38,2)) AS wide, NULL::DECIMAL(5,1) AS none",
      ),
    );
    expect(row).toEqual({ money: "99999999999999.9999", dime: "0.10", wide: "-12345678901234567890.12", none: null });
  });

  it("DECIMAL inside a list or a struct is exact too; a stream returns the same", async () => {
    const sqlText = "SELECT [1.25::DECIMAL(6,2), 2.5::DECIMAL(6,2)] AS list, {'price': 19.99::DECIMAL(8,2)} AS item";
    const row = await db.runInScope(() => getSession().selectOne<Record<string, unknown>>(sqlText));
    expect(row).toEqual({ list: ["1.25", "2.50"], item: { price: "19.99" } });
    const streamed = await db.runInScope(async () => {
      const rows: unknown[] = [];
      for await (const r of getSession().stream(sqlText)) rows.push(r);
      return rows;
    });
    expect(streamed).toEqual([row]);
  });

  it("HUGEINT and BIGINT beyond 2^53 come back as exact bigint; smaller ones as numbers", async () => {
    const row = await db.runInScope(() =>
      getSession().selectOne<Record<string, unknown>>(
        "SELECT 170141183460469231731687303715884105727::HUGEINT AS huge, 9007199254740993::BIGINT AS big, 42::BIGINT AS small, count(*) AS n FROM range(3)",
      ),
    );
    expect(row).toEqual({ huge: 170141183460469231731687303715884105727n, big: 9007199254740993n, small: 42, n: 3 });
  });
});
