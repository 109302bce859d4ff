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
    await db.runInScope(() => db.getSession().executeScript("CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0)"));
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
    const error = await reader.then(() => undefined, (e: unknown) => e);
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
    const db = new SQLScope().add(sqlite({ filename: tmp.file("app.db"), immediateTransactions: true }), { commit: "autocommit" });
    try {
      await db.runInScope(() => db.getSession().executeScript("CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0)"));
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
