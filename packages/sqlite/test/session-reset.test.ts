import { ParameterError, SQLScope } from "@sqlscope/core";
import { type Driver } from "@sqlscope/core/driver";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { sqlite, type SqliteOptions } from "../src/index.ts";
import { StatementCache } from "../src/statement-cache.ts";
import { mayChangeSession } from "../src/statement-kind.ts";
import { tempDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A sqlite driver that counts its connects: a reopened connection shows as a second one. */
function counted(options: SqliteOptions): { driver: Driver; connects: () => number } {
  const driver = sqlite(options);
  let connects = 0;
  const connect = driver.connect.bind(driver);
  return {
    driver: {
      ...driver,
      connect: () => {
        connects++;
        return connect();
      },
    },
    connects: () => connects,
  };
}

describe("sqlite: a connection goes back to the pool as it came out", () => {
  let db: SQLScope | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it("a scope of plain DML keeps its connection; one that ran a PRAGMA gets a fresh connection next time", async () => {
    const { driver, connects } = counted({ filename: tmp.file("reuse.db") });
    const scope = new SQLScope().add(driver, { pool: { max: 1 } });
    db = scope;
    await scope.runInScope(() => scope.getSession().executeScript("CREATE TABLE t (v TEXT)"));
    // The script may have changed anything, so its connection was closed: this scope opens the next one.
    await scope.runInScope(() => scope.getSession().select("SELECT * FROM t"));
    const afterScript = connects();
    expect(afterScript).toBe(2);
    for (let i = 0; i < 3; i++) {
      await scope.runInScope(async () => {
        const s = scope.getSession();
        await s.execute("INSERT INTO t VALUES (?)", [`v${i}`]);
        await s.select("/* a comment first */ SELECT * FROM t");
        await s.select("WITH x AS (SELECT 1) SELECT * FROM x");
      });
    }
    expect(connects()).toBe(afterScript); // DML never costs a reopen
    await scope.runInScope(() => scope.getSession().execute("PRAGMA foreign_keys = OFF"));
    expect(await scope.runInScope(() => scope.getSession().selectValue("PRAGMA foreign_keys"))).toBe(1);
    expect(connects()).toBe(afterScript + 1);
  });

  it("statements a query builder runs through withConnection() are judged by their kind, not by the raw handle", async () => {
    const { driver, connects } = counted({ filename: tmp.file("builder.db") });
    const scope = new SQLScope().add(driver, { pool: { max: 1 } });
    db = scope;
    await scope.runInScope(() => scope.getSession().executeScript("CREATE TABLE t (v TEXT)"));
    const viaBuilder = (sql: string) =>
      scope.runInScope(() =>
        scope.getSession().withConnection(sql, (raw: Database.Database) => raw.prepare(sql).all()),
      );
    await viaBuilder("SELECT * FROM t");
    const before = connects();
    for (let i = 0; i < 3; i++) await viaBuilder("SELECT * FROM t");
    expect(connects()).toBe(before);
    await scope.runInScope(() =>
      scope
        .getSession()
        .withConnection("PRAGMA query_only = ON", (raw: Database.Database) => raw.exec("PRAGMA query_only = ON")),
    );
    expect(await viaBuilder("SELECT * FROM pragma_query_only()")).toEqual([{ query_only: 0 }]);
    expect(connects()).toBe(before + 1);
  });

  it(":memory: is cleaned in place: attachments, TEMP objects and pragmas are undone, the data stays", async () => {
    const scope = new SQLScope().add(sqlite({ filename: ":memory:", pragmas: { cache_size: -4000 } }), {
      commit: "manual",
    });
    db = scope;
    await scope.runInScope(async () => {
      const s = scope.getSession();
      await s.executeScript("CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('data')");
      await s.execute("ATTACH DATABASE ':memory:' AS other");
      await s.execute("CREATE TEMP TABLE scratch (x)");
      await s.execute("CREATE TEMP VIEW scratch_view AS SELECT 1");
      await s.execute("CREATE TEMP TRIGGER scratch_trigger AFTER INSERT ON kept BEGIN SELECT 1; END");
      await s.execute("PRAGMA foreign_keys = OFF");
      await s.execute("PRAGMA recursive_triggers = ON");
      await s.execute("PRAGMA cache_size = 10");
      await s.execute("PRAGMA busy_timeout = 60000");
      await s.execute("PRAGMA case_sensitive_like = ON");
      await s.execute("PRAGMA query_only = ON");
    });
    const after = await scope.runInScope(async () => {
      const s = scope.getSession();
      return {
        kept: await s.selectValue("SELECT v FROM kept"),
        databases: (await s.select<{ name: string }>("SELECT name FROM pragma_database_list WHERE name <> 'temp'")).map(
          (r) => r.name,
        ),
        temps: await s.selectValue("SELECT count(*) FROM sqlite_temp_master"),
        foreignKeys: await s.selectValue("PRAGMA foreign_keys"),
        recursive: await s.selectValue("PRAGMA recursive_triggers"),
        cacheSize: await s.selectValue("PRAGMA cache_size"),
        busy: await s.selectValue("PRAGMA busy_timeout"),
        likeIsCaseless: await s.selectValue("SELECT 'a' LIKE 'A'"),
        writable: await s.execute("INSERT INTO kept VALUES ('still writable')").then(() => true),
      };
    });
    expect(after).toEqual({
      kept: "data",
      databases: ["main"],
      temps: 0,
      foreignKeys: 1,
      recursive: 0,
      cacheSize: -4000, // the driver's own pragma, not SQLite's default
      busy: 0,
      likeIsCaseless: 1,
      writable: true,
    });
  });

  it("more than 32,766 parameters is a ParameterError before any connection is opened", async () => {
    const { driver, connects } = counted({ filename: tmp.file("params.db") });
    const scope = new SQLScope().add(driver);
    db = scope;
    const values = Array.from({ length: 40_000 }, (_, i) => i);
    const run = scope.runInScope(() =>
      scope.getSession().select(`SELECT 1 WHERE 1 IN (${values.map(() => "?").join(", ")})`, values),
    );
    await expect(run).rejects.toBeInstanceOf(ParameterError);
    await expect(run).rejects.toThrow(/40000 parameters.*32766.*json_each/);
    expect(connects()).toBe(0);
  });
});

describe("sqlite: what may change a connection", () => {
  it("is anything but DML, behind any comment", () => {
    for (const sql of [
      "SELECT 1",
      " insert into t values (1)",
      "UPDATE t SET a = 1",
      "DELETE FROM t",
      "REPLACE INTO t VALUES (1)",
      "WITH x AS (SELECT 1) SELECT * FROM x",
      "VALUES (1)",
      "-- c\n/* d */ SELECT 1",
    ]) {
      expect(mayChangeSession(sql), sql).toBe(false);
    }
    for (const sql of [
      "PRAGMA foreign_keys = OFF",
      "/* x */ ATTACH ':memory:' AS a",
      "-- x\nCREATE TEMP TABLE t (x)",
      "DETACH a",
      "BEGIN",
      "CREATE TABLE temp.t (x)",
      "",
      "/* unterminated SELECT 1",
    ]) {
      expect(mayChangeSession(sql), sql).toBe(true);
    }
  });
});

describe("sqlite: the statement cache", () => {
  it("is bounded in characters, not only in count", () => {
    const db = new Database(":memory:");
    try {
      const cache = new StatementCache(db, 200);
      const filler = "x".repeat(50_000);
      for (let i = 0; i < 200; i++) cache.get(`SELECT '${filler}' AS a, ${i} AS n`);
      // 200 texts of 50 KB would be 10 MB per connection; the bound keeps about 1 MB.
      expect(cache.size).toBeLessThanOrEqual(21);
      expect(cache.get("SELECT 1 AS one").stmt.get()).toEqual({ one: 1 });
    } finally {
      db.close();
    }
  });
});
