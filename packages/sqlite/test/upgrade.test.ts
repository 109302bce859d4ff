import { SerializationError, SQLScope } from "@sqlscope/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqlite } from "../src/index.ts";
import { signal, sleep, tempDir } from "./helpers.ts";

describe("a read transaction that must upgrade to a write", () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: SQLScope;

  beforeEach(async () => {
    tmp = tempDir();
    db = new SQLScope().add(sqlite({ filename: tmp.file("app.db") }), { key: "db", commit: "autocommit" });
    await db.runInScope(() =>
      db.getSession().executeScript("CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0)"),
    );
  });
  afterEach(async () => {
    await db.close();
    tmp.cleanup();
  });

  const read = () => db.getSession().selectValue<number>("SELECT n FROM counter");
  const bump = () => db.getSession().execute("UPDATE counter SET n = n + 1");

  it("upgrades without error when nobody wrote since its first read", async () => {
    await db.runInScope(async () => {
      expect(await read()).toBe(0);
      await bump();
    });
    expect(await db.runInScope(read)).toBe(1);
  });

  it("fails fast with the retryable SerializationError after another writer committed, and a re-run succeeds", async () => {
    const readDone = signal();
    const otherCommitted = signal();
    const started = performance.now();
    const reader = db.runInScope(async () => {
      await read(); // the snapshot starts here
      readDone.fire();
      await otherCommitted.promise;
      await bump();
    });
    await readDone.promise;
    await db.runInScope(bump);
    otherCommitted.fire();
    const error = await reader.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as SerializationError).retryable).toBe(true);
    expect((error as SerializationError).cause).toMatchObject({ code: "SQLITE_BUSY_SNAPSHOT" });
    // Far below writeTimeoutMs (5 s): the conflict is reported, not waited out.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(db.stats().borrowed).toBe(0);

    await db.runInScope(async () => {
      await read();
      await bump();
    });
    expect(await db.runInScope(read)).toBe(2);
  });

  it("waits for a writer that holds the gate, then fails with SerializationError instead of deadlocking", async () => {
    const writerHolds = signal();
    const letWriterCommit = signal();
    const writer = db.runInScope(async () => {
      await bump();
      writerHolds.fire();
      await letWriterCommit.promise;
    });
    await writerHolds.promise;
    const reader = db.runInScope(async () => {
      await read(); // snapshot before the writer's commit
      await bump(); // queues behind the writer on the gate
    });
    await sleep(20);
    letWriterCommit.fire();
    await writer;
    await expect(reader).rejects.toBeInstanceOf(SerializationError);
    expect(await db.runInScope(read)).toBe(1);
    // The failed upgrade gave the gate back: the next writer goes straight through.
    await db.runInScope(bump);
    expect(await db.runInScope(read)).toBe(2);
  });
});

describe("immediateTransactions: true", () => {
  it("makes read-then-write transactions wait their turn instead of failing", async () => {
    const tmp = tempDir();
    const db = new SQLScope().add(sqlite({ filename: tmp.file("app.db"), immediateTransactions: true }), {
      commit: "autocommit",
    });
    try {
      await db.runInScope(() =>
        db.getSession().executeScript("CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0)"),
      );
      // Read-modify-write from 20 scopes at once: with deferred reads most would hit SQLITE_BUSY_SNAPSHOT.
      await Promise.all(
        Array.from({ length: 20 }, () =>
          db.runInScope(async () => {
            const s = db.getSession();
            const n = await s.selectValue<number>("SELECT n FROM counter");
            await sleep(1);
            await s.execute("UPDATE counter SET n = ?", [n + 1]);
          }),
        ),
      );
      expect(await db.runInScope(() => db.getSession().selectValue("SELECT n FROM counter"))).toBe(20);
    } finally {
      await db.close();
      tmp.cleanup();
    }
  });
});

describe("a scope's write intent", () => {
  let tmp: ReturnType<typeof tempDir>;
  const open = async (options: { immediateTransactions?: boolean } = {}) => {
    const db = new SQLScope().add(sqlite({ filename: tmp.file("app.db"), ...options }), { commit: "autocommit" });
    await db.runInScope(() =>
      db
        .getSession()
        .executeScript(
          "CREATE TABLE IF NOT EXISTS counter (n INTEGER); DELETE FROM counter; INSERT INTO counter VALUES (0)",
        ),
    );
    return db;
  };
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  // 20 scopes at once read the counter, wait, then write what they read plus one.
  const readAwaitWrite = (db: SQLScope, options: { intent?: "read" | "write" }) =>
    Promise.allSettled(
      Array.from({ length: 20 }, () =>
        db.runInScope(async () => {
          const s = db.getSession();
          const n = await s.selectValue<number>("SELECT n FROM counter");
          await sleep(2);
          await s.execute("UPDATE counter SET n = ?", [n + 1]);
        }, options),
      ),
    );
  const count = (db: SQLScope) => db.runInScope(() => db.getSession().selectValue<number>("SELECT n FROM counter"));

  it('intent: "write" takes the write lock at the first statement, a read: every read-await-write commits, none is lost', async () => {
    const db = await open();
    try {
      const results = await readAwaitWrite(db, { intent: "write" });
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      expect(await count(db)).toBe(20);
    } finally {
      await db.close();
    }
  });

  it("without intent the same scopes fail to upgrade, with a message that says why and names the runInScope fix", async () => {
    const db = await open();
    try {
      const results = await readAwaitWrite(db, {});
      const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as SerializationError] : []));
      expect(failures.length).toBeGreaterThan(0);
      expect(await count(db)).toBe(20 - failures.length);
      for (const error of failures) {
        expect(error).toBeInstanceOf(SerializationError);
        expect(error.message).toMatch(
          /began as a read \(BEGIN DEFERRED\) and had to become a write after another connection committed/,
        );
        expect(error.message).toMatch(/Pass \{ intent: "write" \} to runInScope/);
        expect(error.message).not.toMatch(/database is locked/);
        expect(error.cause).toMatchObject({ code: "SQLITE_BUSY_SNAPSHOT" });
      }
    } finally {
      await db.close();
    }
  });

  it('intent: "read" (what adapters give GET requests) names the route option as the fix', async () => {
    const db = await open();
    try {
      const failures = (await readAwaitWrite(db, { intent: "read" })).flatMap((r) =>
        r.status === "rejected" ? [r.reason as Error] : [],
      );
      expect(failures.length).toBeGreaterThan(0);
      expect(failures[0]?.message).toMatch(/Its scope said it would only read \(a GET, HEAD or OPTIONS request/);
    } finally {
      await db.close();
    }
  });

  it("reads of scopes without write intent still run side by side (each holds a read transaction at the same time)", async () => {
    const db = await open();
    try {
      const both = signal();
      let inside = 0;
      const reader = () =>
        db.runInScope(
          async () => {
            await db.getSession().selectValue("SELECT n FROM counter");
            if (++inside === 2) both.fire();
            await both.promise; // would never resolve if the second waited for the first's lock
          },
          { intent: "read" },
        );
      await Promise.all([reader(), reader()]);
      expect(inside).toBe(2);
    } finally {
      await db.close();
    }
  });

  it("immediateTransactions: false ignores write intent (the old default), and its message says to drop the option", async () => {
    const db = await open({ immediateTransactions: false });
    try {
      const failures = (await readAwaitWrite(db, { intent: "write" })).flatMap((r) =>
        r.status === "rejected" ? [r.reason as Error] : [],
      );
      expect(failures.length).toBeGreaterThan(0);
      expect(failures[0]?.message).toMatch(/immediateTransactions: false keeps every transaction deferred; drop it/);
    } finally {
      await db.close();
    }
  });

  it("an invalid intent is a ConfigError before anything runs", async () => {
    const db = await open();
    try {
      await expect(db.runInScope(() => 1, { intent: "writes" as "write" })).rejects.toMatchObject({
        code: "ERR_SQLSCOPE_CONFIG",
      });
      expect(() => sqlite({ filename: tmp.file("x.db"), immediateTransactions: "yes" as unknown as boolean })).toThrow(
        /immediateTransactions/,
      );
    } finally {
      await db.close();
    }
  });
});

describe("Session.connection() on a deferred transaction", () => {
  it("opens the scope's transaction before the raw handle runs anything, so a rollback takes its writes back", async () => {
    const tmp = tempDir();
    const db = new SQLScope().add(sqlite({ filename: tmp.file("app.db") }), { commit: "autocommit" });
    try {
      await db.runInScope(() => db.getSession().executeScript("CREATE TABLE t (x INTEGER)"));
      await expect(
        db.runInScope(async () => {
          const raw = await db.getSession().connection<import("better-sqlite3").Database>();
          expect(raw.inTransaction).toBe(true);
          raw.prepare("INSERT INTO t VALUES (1)").run();
          throw new Error("roll it back");
        }),
      ).rejects.toThrow("roll it back");
      expect(await db.runInScope(() => db.getSession().selectValue("SELECT count(*) FROM t"))).toBe(0);
    } finally {
      await db.close();
      tmp.cleanup();
    }
  });
});
