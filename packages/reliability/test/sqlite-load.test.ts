// SQLite under concurrent writers and readers, with another connection outside sqlscope (a worker
// thread, as another process would) taking the write lock now and then: no request ever sees
// SQLITE_BUSY, and the event loop is never blocked for longer than a statement (generous bound).
import { mkdtempSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { SQLScope } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";
import type { StartedServer } from "@sqlscope/test-support";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp } from "../src/apps.ts";
import { isSuccess, send, statusOf, type Outcome } from "../src/client.ts";
import { assertQuiet } from "../src/invariants.ts";
import { Ledger } from "../src/ledger.ts";
import { Rendezvous } from "../src/rendezvous.ts";

// Holds SQLite's write lock from a second connection for `ms` at a time, `times` times: what a CLI or
// migration in another process does. Atomics.wait blocks only the worker, like another process.
const LOCKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.module);
const db = new Database(workerData.filename, { timeout: 10000 });
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
for (let i = 0; i < workerData.times; i++) {
  db.exec("BEGIN IMMEDIATE");
  db.prepare("INSERT INTO items (tag, seq) VALUES (?, ?)").run("locker", i);
  pause(workerData.ms);
  db.exec("COMMIT");
  pause(workerData.ms);
}
db.close();
parentPort.postMessage("done");
`;

describe.each(["express", "node-http"] as const)("SQLite under load (%s)", (kind) => {
  let dir: string;
  let filename: string;
  let db: SQLScope;
  let app: StartedServer;
  const warnings: Error[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sqlscope-rel-sqlite-"));
    filename = join(dir, "load.db");
    const init = new Database(filename);
    init.pragma("journal_mode = WAL");
    init.exec(
      "CREATE TABLE items (id INTEGER PRIMARY KEY, tag TEXT NOT NULL, seq INTEGER NOT NULL DEFAULT 0); CREATE INDEX items_tag ON items (tag);",
    );
    init.close();
    db = new SQLScope({ onWarning: (w) => warnings.push(w) }).add(sqlite({ filename, busyTimeoutMs: 10_000 }), {
      commit: "autocommit",
      pool: { max: 8, acquireTimeoutMs: 10_000, leakDetectionMs: 0 },
    });
    app = await startApp(kind, db, {
      backendIdSql: "SELECT 0 AS id",
      sleepSql: () => "SELECT 1",
      rendezvous: new Rendezvous(),
      commitPauses: new WeakMap(),
    });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("600 mixed requests, 24 at a time, plus a foreign writer: all 2xx, all rows, no stall", async () => {
    const ledger = new Ledger();
    const agent = new Agent({ keepAlive: true, maxSockets: 24 });
    const locker = new Worker(LOCKER, {
      eval: true,
      workerData: { filename, module: createRequire(import.meta.url).resolve("better-sqlite3"), ms: 40, times: 10 },
    });
    const lockerDone = new Promise<void>((resolve, reject) => {
      locker.once("message", () => resolve());
      locker.once("error", reject);
    });

    // A 5 ms heartbeat: its worst gap is how long the event loop was blocked at once.
    let worstGap = 0;
    let last = performance.now();
    const heartbeat = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
    }, 5);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();

    let n = 0;
    const one = async (): Promise<void> => {
      const t = `${kind}-${++n}`;
      const r = Math.random();
      const [path, rows, query] =
        r < 0.4
          ? ["/write", 3, "&n=3"]
          : r < 0.6
            ? ["/slow-write", 2, "&ms=1"]
            : r < 0.9
              ? ["/hold", 0, "&ms=1"]
              : ["/status", 1, "&code=409"];
      const outcome: Outcome = await send(`${app.url}${path}?tag=${t}${query}`, { agent });
      if (rows > 0) ledger.record(t, rows, outcome);
      if (path === "/status") expect(statusOf(outcome)).toBe(409);
      else expect(isSuccess(outcome), `${path} -> ${JSON.stringify(outcome)}`).toBe(true);
    };
    const workers = Array.from({ length: 24 }, async () => {
      for (let i = 0; i < 25; i++) await one();
    });
    await Promise.all(workers);
    await lockerDone;
    clearInterval(heartbeat);
    delay.disable();
    agent.destroy();

    await assertQuiet(db);
    const observer = new Database(filename, { readonly: true });
    const committed = new Map(
      (
        observer.prepare("SELECT tag, count(*) AS n FROM items WHERE tag <> 'locker' GROUP BY tag").all() as {
          tag: string;
          n: number;
        }[]
      ).map((r) => [r.tag, r.n]),
    );
    observer.close();
    expect(ledger.verify(committed)).toEqual([]);
    expect(warnings.filter((w) => /BUSY/.test(String(w)))).toEqual([]);
    // One statement is microseconds; a blocking busy wait would be the locker's 40 ms at least, and
    // better-sqlite3's own busy timeout seconds. 150 ms leaves room for GC and a loaded 2-core machine.
    expect(worstGap).toBeLessThan(150);
    expect(delay.max / 1e6).toBeLessThan(150);
  });
});
