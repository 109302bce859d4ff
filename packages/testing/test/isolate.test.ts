import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getSession, SecondConnectionError, SQLScope, UnsupportedError } from "@sqlscope/core";
import { sqlite, sqliteDialect } from "@sqlscope/sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AlreadyIsolatedError,
  IsolationEndedError,
  IsolationLeakError,
  isolate,
  TurnTimeoutError,
} from "../src/index.ts";
import { createSqliteDb, type SqliteTestDb } from "./sqlite-db.ts";

const insert = (name: string) => getSession().execute("INSERT INTO items (name) VALUES (?)", [name]);

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("isolate() with runInScope on a SQLite file", () => {
  let t: SqliteTestDb;
  beforeEach(async () => {
    t = await createSqliteDb();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("a scope that resolves keeps its rows for the test, one that throws loses them, rollback() drops all", async () => {
    const isolation = await isolate(t.db);
    await t.db.runInScope(() => insert("kept"));
    await expect(
      t.db.runInScope(async () => {
        await insert("thrown");
        throw new Error("job failed");
      }),
    ).rejects.toThrow("job failed");
    await t.db.runInScope(async () => {
      await insert("outer");
      // A nested transaction(fn) is a savepoint inside the scope's savepoint.
      await expect(
        getSession().transaction(async () => {
          await insert("inner");
          throw new Error("inner failed");
        }),
      ).rejects.toThrow("inner failed");
    });
    expect(await t.names()).toEqual(["kept", "outer"]);
    await isolation.rollback();
    expect(await t.names()).toEqual([]);
    expect(await t.committedCount()).toBe(0);
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("commit: manual keeps production semantics: statements autocommit one by one, begin/rollback undoes", async () => {
    const manual = await createSqliteDb("manual");
    try {
      const isolation = await isolate(manual.db);
      await manual.db.runInScope(async () => {
        const s = getSession();
        await insert("first");
        await expect(insert("first")).rejects.toMatchObject({ code: "ERR_SQLSCOPE_CONSTRAINT" });
        await insert("second");
        await s.begin();
        await insert("undone");
        await s.rollback();
        await s.begin();
        await insert("committed");
        await s.commit();
      });
      expect(await manual.names()).toEqual(["first", "second", "committed"]);
      await isolation.rollback();
      expect(await manual.names()).toEqual([]);
    } finally {
      await manual.cleanup();
    }
  });

  it("a scope that keeps the connection while waiting for another scope fails with a TurnTimeoutError naming where it was taken", async () => {
    const isolation = await isolate(t.db, { turnTimeoutMs: 200 });
    const release = deferred();
    const holder = t.db.runInScope(async () => {
      await insert("holder");
      await release.promise;
    });
    const waiter = t.db.runInScope(() => insert("waiter"));
    const error = await waiter.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TurnTimeoutError);
    expect((error as Error).message).toMatch(/isolate\.test\.ts/);
    release.resolve();
    await holder;
    expect(await t.names()).toEqual(["holder"]);
    await isolation.rollback();
  });

  it("an isolated scope nested in one that holds the key fails at once instead of waiting for its own parent", async () => {
    const isolation = await isolate(t.db);
    await t.db.runInScope(async () => {
      await insert("parent");
      await expect(t.db.runInScope(() => insert("child"), { isolated: true })).rejects.toBeInstanceOf(
        SecondConnectionError,
      );
    });
    await isolation.rollback();
  });

  it("rollback() waits for a scope still running, refuses scopes that are still queued, and the pools are whole afterwards", async () => {
    const isolation = await isolate(t.db);
    const release = deferred();
    let holderInserted!: () => void;
    const inserted = new Promise<void>((r) => (holderInserted = r));
    const holder = t.db.runInScope(async () => {
      await insert("late");
      holderInserted();
      await release.promise;
    });
    await inserted;
    const queued = t.db.runInScope(() => insert("queued"));
    const ending = isolation.rollback();
    await expect(queued).rejects.toBeInstanceOf(IsolationEndedError);
    release.resolve();
    await holder;
    await ending;
    expect(await t.names()).toEqual([]);
    expect(t.db.stats()).toMatchObject({ borrowed: 0, pending: 0 });
  });

  it("a scope that outlives the test is cut off: rollback() rejects with IsolationLeakError and nothing is committed", async () => {
    const isolation = await isolate(t.db, { endTimeoutMs: 100 });
    const release = deferred();
    const stray = t.db.runInScope(async () => {
      await insert("stray");
      await release.promise;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const error = await isolation.rollback().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IsolationLeakError);
    expect((error as Error).message).toMatch(/isolate\.test\.ts/);
    release.resolve();
    await expect(stray).rejects.toMatchObject({ code: "ERR_SQLSCOPE_COMMIT_FAILED" });
    expect(await t.committedCount()).toBe(0);
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("refuses a second isolation of the same SQLScope until the first is rolled back", async () => {
    const first = await isolate(t.db);
    await expect(isolate(t.db)).rejects.toBeInstanceOf(AlreadyIsolatedError);
    await first.rollback();
    const second = await isolate(t.db);
    await second.rollback();
    await first.rollback(); // idempotent
  });

  it("db.close() during a test rolls the test back before the pools drain", async () => {
    await isolate(t.db);
    await t.db.runInScope(() => insert("unsaved"));
    await t.db.close();
    expect(await t.committedCount()).toBe(0);
  });
});

describe("isolate() on SQLite :memory: (one connection, pool max 1)", () => {
  it("takes the only connection for the test and gives it back with the schema intact and the rows gone", async () => {
    const db = new SQLScope().add(sqlite({ filename: ":memory:" }), { key: "db", commit: "autocommit" });
    try {
      await db.runInScope(() =>
        getSession().executeScript("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"),
      );
      const isolation = await isolate(db);
      await db.runInScope(() => insert("a"));
      await expect(db.runInScope(() => getSession().selectValue("SELECT count(*) FROM items"))).resolves.toBe(1);
      await isolation.rollback();
      await expect(db.runInScope(() => getSession().selectValue("SELECT count(*) FROM items"))).resolves.toBe(0);
      expect(db.stats()).toMatchObject({ borrowed: 0, size: 1 });
    } finally {
      await db.close();
    }
  });
});

describe("isolate() refuses what it cannot do", () => {
  it("a driver without savepoints (DuckDB) gets an UnsupportedError that names the other keys", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sqlscope-testing-"));
    const noSavepoints = {
      ...sqlite({ filename: join(dir, "a.db") }),
      dialect: { ...sqliteDialect, savepoints: false },
    };
    const db = new SQLScope()
      .add(sqlite({ filename: join(dir, "b.db") }), { key: "main" })
      .add(noSavepoints, { key: "events" });
    try {
      const error = await isolate(db).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toContain('keys: ["main"]');
      const partial = await isolate(db, { keys: ["main"] });
      expect(partial.keys).toEqual(["main"]);
      await partial.rollback();
      expect(db.stats("main").borrowed).toBe(0);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
