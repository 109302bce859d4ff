import { SerializationError, SQLScope } from "@sqlscope/core";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqlite } from "../src/index.ts";
import { heartbeat, tempDir } from "./helpers.ts";

// A second better-sqlite3 handle that sqlscope does not know about stands in for another process
// (a migration, a CLI): it takes SQLite's write lock directly, outside the write gate.
describe("a writer outside sqlscope holds the write lock", () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: SQLScope;
  let other: Database.Database;

  beforeEach(async () => {
    tmp = tempDir();
    const file = tmp.file("app.db");
    db = new SQLScope()
      .add(sqlite({ filename: file, busyTimeoutMs: 300 }), { key: "db", commit: "autocommit" })
      .add(sqlite({ filename: file, busyTimeoutMs: 300 }), { key: "manual", commit: "manual" });
    await db.runInScope(() =>
      db.getSession("manual").executeScript("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1)"),
    );
    other = new Database(file);
    other.exec("BEGIN IMMEDIATE; INSERT INTO t VALUES (99)");
  });
  afterEach(async () => {
    if (other.open) other.close();
    await db.close();
    tmp.cleanup();
  });

  for (const key of ["db", "manual"] as const) {
    it(`a ${key === "db" ? "transactional" : "manual-mode"} write fails after busyTimeoutMs with a clear, retryable error, and the event loop keeps running`, async () => {
      const beat = heartbeat(2);
      const started = performance.now();
      const error = await db
        .runInScope(() => db.getSession(key).execute("INSERT INTO t VALUES (2)"))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      const elapsed = performance.now() - started;
      const longestGapMs = beat.stop();
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as Error).message).toMatch(/busyTimeoutMs \(300 ms\)/);
      expect((error as SerializationError).retryable).toBe(true);
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(5_000);
      // Waiting is done on timers: SQLite's own busy handler would freeze the loop for the whole 300 ms.
      expect(longestGapMs).toBeLessThan(200);
      expect(db.stats(key).borrowed).toBe(0);
    });
  }

  it("reads go on while the other writer holds the lock, and writes work once it lets go", async () => {
    expect(await db.runInScope(() => db.getSession().selectValue("SELECT count(*) FROM t"))).toBe(1);
    other.exec("COMMIT");
    await db.runInScope(() => db.getSession().execute("INSERT INTO t VALUES (2)"));
    expect(await db.runInScope(() => db.getSession().selectValue("SELECT count(*) FROM t"))).toBe(3);
  });

  it("a write that starts while the lock is held succeeds if the other writer finishes within busyTimeoutMs", async () => {
    setTimeout(() => other.exec("COMMIT"), 100);
    await db.runInScope(() => db.getSession().execute("INSERT INTO t VALUES (2)"));
    expect(await db.runInScope(() => db.getSession().selectValue("SELECT count(*) FROM t"))).toBe(3);
  });
});
