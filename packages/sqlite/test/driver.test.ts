import { ConfigError } from "@sqlscope/core";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { classifyError, sqlite, type SqliteConnection } from "../src/index.ts";
import { liveGateCount } from "../src/write-gate.ts";
import { tempDir } from "./helpers.ts";

describe("sqlite() driver", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it("rejects bad options with a ConfigError that names the fix", () => {
    expect(() => sqlite({ filename: "" })).toThrow(ConfigError);
    expect(() => sqlite({} as never)).toThrow(/sqlite\(\{ filename: "app.db" \}\)/);
    expect(() => sqlite({ filename: "a.db", busyTimeoutMs: -1 })).toThrow(ConfigError);
    expect(() => sqlite({ filename: "a.db", statementCacheSize: 0 })).toThrow(ConfigError);
    expect(() => sqlite({ filename: "a.db", pragmas: { "cache_size; DROP": 1 } })).toThrow(ConfigError);
    expect(() => sqlite({ filename: "a.db", pragmas: { cache_size: "1; DROP TABLE x" } })).toThrow(ConfigError);
  });

  it("opens files in WAL mode with synchronous=NORMAL, foreign keys on, and the user's pragmas", async () => {
    const driver = sqlite({ filename: tmp.file("a.db"), pragmas: { cache_size: -4000 } });
    const conn = (await driver.connect()) as SqliteConnection;
    try {
      const db = conn.raw;
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("synchronous", { simple: true })).toBe(1);
      expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
      expect(db.pragma("cache_size", { simple: true })).toBe(-4000);
      // SQLite's own busy handler would spin the event loop; waiting is done on timers instead.
      expect(db.pragma("busy_timeout", { simple: true })).toBe(0);
    } finally {
      await conn.close();
      await driver.close?.();
    }
  });

  it("keeps a bounded, least-recently-used statement cache per connection", async () => {
    const driver = sqlite({ filename: tmp.file("a.db"), statementCacheSize: 3 });
    const conn = (await driver.connect()) as SqliteConnection;
    try {
      const hot = conn.statements.get("SELECT 0 AS n");
      for (let i = 1; i <= 20; i++) {
        await conn.query(`SELECT ${i} AS n`, []);
        conn.statements.get("SELECT 0 AS n"); // used again and again: never evicted
      }
      expect(conn.statements.size).toBe(3);
      expect(conn.statements.get("SELECT 0 AS n")).toBe(hot);
      const again = conn.statements.get("SELECT 1 AS n");
      expect(conn.statements.get("SELECT 1 AS n")).toBe(again);
    } finally {
      await conn.close();
      await driver.close?.();
    }
  });

  it("refuses objects and arrays as parameters with a ParameterError naming the position; buffers bind", async () => {
    const driver = sqlite({ filename: tmp.file("objects.db") });
    const conn = (await driver.connect()) as SqliteConnection;
    try {
      await conn.executeScript("CREATE TABLE t (v)");
      await expect(conn.query("INSERT INTO t (v) VALUES (?)", [{ a: 1 }])).rejects.toThrow(
        /Parameter 1 is an object.*JSON\.stringify/,
      );
      await expect(conn.query("INSERT INTO t (v) VALUES (?)", [[1, 2]])).rejects.toMatchObject({
        code: "ERR_SQLSCOPE_PARAMETERS",
      });
      await conn.query("INSERT INTO t (v) VALUES (?)", [Buffer.from("hi")]);
      expect((await conn.query("SELECT count(*) AS n FROM t", [])).rows).toEqual([{ n: 1 }]);
    } finally {
      await conn.close();
      await driver.close?.();
    }
  });

  it("returns rows as objects, generated ids, RETURNING rows, booleans and dates bound, bigints exact with safeIntegers", async () => {
    const driver = sqlite({ filename: tmp.file("a.db"), safeIntegers: true });
    const conn = (await driver.connect()) as SqliteConnection;
    try {
      await conn.executeScript("CREATE TABLE t (id INTEGER PRIMARY KEY, big INTEGER, flag INTEGER, at TEXT)");
      const big = 2n ** 62n + 1n;
      const inserted = await conn.query("INSERT INTO t (big, flag, at) VALUES (?, ?, ?)", [big, true, new Date(0)]);
      expect(inserted).toEqual({ rows: [], rowsAffected: 1, lastInsertId: 1n });
      const returned = await conn.query("INSERT INTO t (big) VALUES (?) RETURNING id", [1]);
      expect(returned).toEqual({ rows: [{ id: 2n }], rowsAffected: 1, lastInsertId: 2n });
      const updated = await conn.query("UPDATE t SET flag = 0", []);
      expect(updated.lastInsertId).toBeUndefined();
      expect(updated.rowsAffected).toBe(2);
      const rows = await conn.query("SELECT big, flag, at FROM t WHERE id = 1", []);
      expect(rows.rows).toEqual([{ big, flag: 0n, at: "1970-01-01T00:00:00.000Z" }]);
    } finally {
      await conn.close();
      await driver.close?.();
    }
  });

  it("shares one write gate per file across drivers and drops it when the last driver closes", async () => {
    const before = liveGateCount();
    const a = sqlite({ filename: tmp.file("a.db") });
    const b = sqlite({ filename: `${tmp.dir}/./a.db` });
    const ca = (await a.connect()) as SqliteConnection;
    const cb = (await b.connect()) as SqliteConnection;
    expect(liveGateCount()).toBe(before + 1);
    await ca.executeScript("CREATE TABLE g (v INTEGER)");
    expect(ca.holdsGate).toBe(false); // an autocommit write holds the gate for that statement only
    await ca.begin();
    await ca.query("INSERT INTO g VALUES (0)", []);
    expect(ca.holdsGate).toBe(true);
    await cb.begin();
    const waiting = cb.query("INSERT INTO g VALUES (1)", []);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(cb.holdsGate).toBe(false);
    await ca.commit();
    await waiting;
    expect(cb.holdsGate).toBe(true);
    await cb.rollback();
    expect(cb.holdsGate).toBe(false);
    await ca.close();
    await cb.close();
    await a.close?.();
    expect(liveGateCount()).toBe(before + 1);
    await b.close?.();
    expect(liveGateCount()).toBe(before);
  });

  it("classifies SQLite errors for the core", () => {
    const err = (code: string) => new Database.SqliteError("x", code);
    expect(classifyError(err("SQLITE_CONSTRAINT_UNIQUE"))).toEqual({
      kind: "constraint",
      fatal: false,
      constraint: "unique",
      details: {},
    });
    expect(classifyError(err("SQLITE_CONSTRAINT_PRIMARYKEY")).constraint).toBe("unique");
    expect(classifyError(err("SQLITE_CONSTRAINT_FOREIGNKEY")).constraint).toBe("foreign_key");
    expect(classifyError(err("SQLITE_CONSTRAINT_NOTNULL")).constraint).toBe("not_null");
    expect(classifyError(err("SQLITE_CONSTRAINT_CHECK")).constraint).toBe("check");
    expect(classifyError(err("SQLITE_CONSTRAINT_TRIGGER")).constraint).toBe("other");
    const withMessage = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(
      classifyError(withMessage("SQLITE_CONSTRAINT_UNIQUE", "UNIQUE constraint failed: items.qty, items.parent_id"))
        .details,
    ).toEqual({
      table: "items",
      columns: ["qty", "parent_id"],
    });
    expect(
      classifyError(withMessage("SQLITE_CONSTRAINT_NOTNULL", "NOT NULL constraint failed: items.name")).details,
    ).toEqual({ table: "items", columns: ["name"] });
    expect(
      classifyError(withMessage("SQLITE_CONSTRAINT_CHECK", "CHECK constraint failed: v_positive")).details,
    ).toEqual({ constraintName: "v_positive" });
    expect(classifyError(withMessage("SQLITE_CONSTRAINT_CHECK", "CHECK constraint failed: qty >= 0")).details).toEqual(
      {},
    );
    for (const code of ["SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED", "SQLITE_LOCKED_SHAREDCACHE"]) {
      expect(classifyError(err(code))).toEqual({ kind: "serialization", fatal: false });
    }
    expect(classifyError(err("SQLITE_ERROR"))).toEqual({ kind: "other", fatal: false });
    expect(classifyError(err("SQLITE_CORRUPT")).fatal).toBe(true);
    expect(classifyError(err("SQLITE_IOERR_WRITE")).fatal).toBe(true);
    expect(classifyError(new TypeError("The database connection is not open"))).toEqual({
      kind: "connection",
      fatal: true,
    });
    expect(classifyError(new Error("anything else"))).toEqual({ kind: "other", fatal: false });
  });
});
