import { SQLScope } from "@sqlscope/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqlite } from "../src/index.ts";
import { heartbeat, sleep, tempDir } from "./helpers.ts";

describe("many concurrent writers on one file", () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: SQLScope;

  beforeEach(async () => {
    tmp = tempDir();
    // busyTimeoutMs 0: no retrying on SQLITE_BUSY, so only the in-process write gate keeps these writers apart.
    const file = tmp.file("app.db");
    db = new SQLScope()
      .add(sqlite({ filename: file, busyTimeoutMs: 0 }), { key: "db", commit: "autocommit" })
      .add(sqlite({ filename: file, busyTimeoutMs: 0 }), { key: "manual", commit: "manual" });
    await db.runInScope(() => db.getSession("manual").executeScript("CREATE TABLE t (scope INTEGER, step INTEGER)"));
  });
  afterEach(async () => {
    await db.close();
    tmp.cleanup();
  });

  it("200 scopes that write, await a timer and write again all commit, with no SQLITE_BUSY and no stalled event loop", async () => {
    const beat = heartbeat(2);
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        db.runInScope(async () => {
          const s = db.getSession();
          await s.execute("INSERT INTO t (scope, step) VALUES (?, 1)", [i]);
          await sleep(1);
          await s.execute("INSERT INTO t (scope, step) VALUES (?, 2)", [i]);
        }),
      ),
    );
    const longestGapMs = beat.stop();
    const failures = results
      .filter((r) => r.status === "rejected")
      .map((r) => String((r as PromiseRejectedResult).reason));
    expect(failures).toEqual([]);
    const count = await db.runInScope(() => db.getSession().selectValue<number>("SELECT count(*) FROM t"));
    expect(count).toBe(400);
    // One SQLite statement takes microseconds; a busy wait in SQLite's handler would show as seconds.
    expect(longestGapMs).toBeLessThan(200);
    expect(db.stats().borrowed).toBe(0);
  });

  it("a manual-mode write outside a transaction waits for the gate instead of failing with SQLITE_BUSY", async () => {
    const order: string[] = [];
    const holder = db.runInScope(async () => {
      await db.getSession().execute("INSERT INTO t VALUES (1, 1)");
      order.push("holder wrote");
      await sleep(50);
      order.push("holder commits");
    });
    await sleep(5);
    await db.runInScope(async () => {
      await db.getSession("manual").execute("INSERT INTO t VALUES (2, 1)");
      order.push("manual wrote");
      await db.getSession("manual").executeScript("INSERT INTO t VALUES (2, 2); INSERT INTO t VALUES (2, 3)");
    });
    await holder;
    expect(order).toEqual(["holder wrote", "holder commits", "manual wrote"]);
  });

  it("reads run while a write transaction holds the gate", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const writer = db.runInScope(async () => {
      await db.getSession().execute("INSERT INTO t VALUES (1, 1)");
      await held;
    });
    await sleep(5);
    // The read in another scope neither waits for the writer nor sees its uncommitted row.
    const seen = await db.runInScope(() => db.getSession().selectValue<number>("SELECT count(*) FROM t"));
    expect(seen).toBe(0);
    release();
    await writer;
  });
});
