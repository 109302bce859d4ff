import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import {
  CommitFailedError,
  getSession,
  SerializationError,
  SQLScope,
  UnsupportedError,
  type AddOptions,
} from "@sqlscope/core";
import { afterAll, describe, expect, it } from "vitest";
import { duckdb, instanceKey, instanceRefs, type DuckDBOptions } from "../src/index.ts";

const dir = mkdtempSync(join(tmpdir(), "sqlscope-duckdb-"));
const registries: SQLScope[] = [];
afterAll(async () => {
  for (const db of registries) await db.close();
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
function open(options: Partial<DuckDBOptions> = {}, add: AddOptions = {}): SQLScope {
  const db = new SQLScope({ onWarning: () => undefined }).add(
    duckdb({ path: join(dir, `t${++files}.duckdb`), ...options }),
    {
      commit: "autocommit",
      ...add,
    },
  );
  registries.push(db);
  return db;
}

describe("@sqlscope/duckdb", () => {
  it("shares one instance per file between drivers and closes it with the last one", async () => {
    const path = join(dir, "shared.duckdb");
    const a = new SQLScope().add(duckdb({ path }), { key: "a", commit: "autocommit" });
    const b = new SQLScope().add(duckdb({ path: join(dir, ".", "shared.duckdb") }), { key: "b", commit: "autocommit" });
    await a.runInScope(() => getSession("a").execute("CREATE TABLE t AS SELECT 1 AS x"));
    expect(await b.runInScope(() => getSession("b").selectValue("SELECT x FROM t"))).toBe(1);
    expect(instanceRefs(instanceKey(path))).toBe(2);
    await a.close();
    expect(instanceRefs(instanceKey(path))).toBe(1);
    await b.close();
    expect(instanceRefs(instanceKey(path))).toBe(0);
    // Closed for real: an independent instance can take the file's lock and sees the data.
    const other = await DuckDBInstance.create(path);
    const conn = await other.connect();
    expect((await (await conn.run("SELECT x FROM t")).getRowObjectsJS())[0]).toEqual({ x: 1 });
    conn.closeSync();
    other.closeSync();
  });

  it("gives each :memory: driver its own database and shares :memory:name ones", async () => {
    const privateA = new SQLScope().add(duckdb({ path: ":memory:" }), { key: "m" });
    const privateB = new SQLScope().add(duckdb({ path: ":memory:" }), { key: "m" });
    const namedA = new SQLScope().add(duckdb({ path: ":memory:sqlscope-test" }), { key: "m" });
    const namedB = new SQLScope().add(duckdb({ path: ":memory:sqlscope-test" }), { key: "m" });
    registries.push(privateA, privateB, namedA, namedB);
    await privateA.runInScope(() => getSession().execute("CREATE TABLE only_a (x INT)"));
    await expect(privateB.runInScope(() => getSession().select("SELECT * FROM only_a"))).rejects.toThrow(/only_a/);
    await namedA.runInScope(() => getSession().execute("CREATE TABLE both_see (x INT)"));
    expect(await namedB.runInScope(() => getSession().select("SELECT * FROM both_see"))).toEqual([]);
    expect(existsSync(":memory:sqlscope-test"), "DuckDB must not take the name for a file").toBe(false);
  });

  it("turns a write-write conflict into a retryable SerializationError and keeps the first writer's work", async () => {
    const db = open({}, { pool: { max: 2 } });
    await db.runInScope(() =>
      getSession().executeScript("CREATE TABLE c (id INT PRIMARY KEY, v INT); INSERT INTO c VALUES (1, 0);"),
    );
    let firstWrote!: () => void;
    let secondDone!: () => void;
    const wrote = new Promise<void>((r) => (firstWrote = r));
    const done = new Promise<void>((r) => (secondDone = r));
    const first = db.runInScope(async () => {
      await getSession().execute("UPDATE c SET v = 1 WHERE id = 1");
      firstWrote();
      await done; // still uncommitted while the second writer tries
    });
    await wrote;
    const second = db.runInScope(() => getSession().execute("UPDATE c SET v = 2 WHERE id = 1"), { isolated: true });
    await expect(second).rejects.toBeInstanceOf(SerializationError);
    await expect(second).rejects.toMatchObject({ retryable: true });
    secondDone();
    await first;
    expect(await db.runInScope(() => getSession().selectValue("SELECT v FROM c WHERE id = 1"))).toBe(1);
  });

  it("fails the commit when a caught error had aborted the transaction, instead of silently rolling back", async () => {
    const db = open();
    await db.runInScope(() => getSession().execute("CREATE TABLE u (id INT PRIMARY KEY)"));
    const outcome = db.runInScope(async () => {
      const s = getSession();
      await s.execute("INSERT INTO u VALUES (1)");
      await s.execute("INSERT INTO u VALUES (1)").catch(() => undefined); // duplicate key, swallowed
    });
    await expect(outcome).rejects.toBeInstanceOf(CommitFailedError);
    expect(await db.runInScope(() => getSession().selectValue("SELECT count(*) FROM u"))).toBe(0);
    // A binder error does not abort the transaction: that scope still commits.
    await db.runInScope(async () => {
      const s = getSession();
      await s.execute("INSERT INTO u VALUES (2)");
      await s.execute("SELECT no_such_column FROM u").catch(() => undefined);
    });
    expect(await db.runInScope(() => getSession().selectValue("SELECT count(*) FROM u"))).toBe(1);
  });

  it("refuses nested transaction(fn): DuckDB has no savepoints", async () => {
    const db = open();
    await db.runInScope(async () => {
      await expect(getSession().transaction(async () => undefined)).rejects.toBeInstanceOf(UnsupportedError);
    });
  });

  it("streams a large result chunk by chunk", async () => {
    const db = open();
    const { n, sum } = await db.runInScope(async () => {
      let n = 0;
      let sum = 0;
      for await (const row of getSession().stream<{ i: number }>("SELECT i FROM range(?) t(i)", [50_000])) {
        n++;
        sum += row.i;
      }
      return { n, sum };
    });
    expect({ n, sum }).toEqual({ n: 50_000, sum: (49_999 * 50_000) / 2 });
  });

  it("refuses a statement on the session while its stream is open, instead of letting DuckDB cut the stream short", async () => {
    const db = open();
    await db.runInScope(async () => {
      const s = getSession();
      let n = 0;
      for await (const _row of s.stream("SELECT i FROM range(10000) t(i)")) {
        if (++n === 10) await expect(s.selectValue("SELECT 1")).rejects.toBeInstanceOf(UnsupportedError);
      }
      expect(n).toBe(10_000);
      expect(await s.selectValue("SELECT 2")).toBe(2);
    });
  });

  it('returns integers as numbers when they fit (integers: "number") and as bigint on request', async () => {
    const asNumber = open();
    expect(await asNumber.runInScope(() => getSession().selectValue("SELECT count(*) FROM range(3)"))).toBe(3);
    const asBigint = open({ integers: "bigint" });
    expect(await asBigint.runInScope(() => getSession().selectValue("SELECT count(*) FROM range(3)"))).toBe(3n);
    expect(await asNumber.runInScope(() => getSession().selectValue("SELECT (2::BIGINT << 60) AS big"))).toBe(
      2n << 60n,
    );
  });

  it("binds dates, bytes, lists and plain objects", async () => {
    const db = open();
    const row = await db.runInScope(() =>
      getSession().selectOne<{ d: Date; b: Uint8Array; l: number[]; j: string }>(
        "SELECT ?::TIMESTAMP AS d, ? AS b, ? AS l, ? AS j",
        [new Date("2024-05-06T07:08:09.000Z"), new Uint8Array([1, 2, 3]), [1, 2, 3], { a: 1 }],
      ),
    );
    expect(row.d).toBeInstanceOf(Date);
    expect(row.d.toISOString()).toBe("2024-05-06T07:08:09.000Z");
    expect([...row.b]).toEqual([1, 2, 3]);
    expect(row.l).toEqual([1, 2, 3]);
    expect(JSON.parse(row.j)).toEqual({ a: 1 });
  });
});
