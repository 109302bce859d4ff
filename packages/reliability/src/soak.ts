// Bounded soak: `pnpm soak` (SOAK_SECONDS, default 180). Mixed HTTP load on loopback against
// PostgreSQL and MariaDB (each behind a fault proxy, with faults cycling every phase) and SQLite, checking
// after every phase that each 2xx's rows are there, no failed request left a row, nothing is borrowed
// and no server session sits in a transaction; heap is sampled after GC to show it stays flat.
// Not part of `pnpm test`. Exits 1 on any broken promise.
import { mkdtempSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHistogram, monitorEventLoopDelay, type RecordableHistogram } from "node:perf_hooks";
import { SQLScope } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";
import { FaultProxy, startMariadb, startPostgres, type Fault, type RunningServer } from "@sqlscope/test-support";
import Database from "better-sqlite3";
import { startApp, type AppKind } from "./apps.ts";
import { mysqlBackend } from "./backends/mysql.ts";
import { postgresBackend } from "./backends/postgres.ts";
import type { Backend } from "./backends/types.ts";
import { isSuccess, send, type Outcome } from "./client.ts";
import { sleep } from "./eventually.ts";
import { assertQuiet } from "./invariants.ts";
import { Ledger } from "./ledger.ts";
import { Rendezvous } from "./rendezvous.ts";

const SECONDS = Number(process.env["SOAK_SECONDS"] ?? 180);
const PHASE_MS = 10_000;
const CONCURRENCY = 8;

interface Lane {
  readonly name: string;
  readonly db: SQLScope;
  readonly app: { url: string; close(): Promise<void> };
  readonly backend: Backend | undefined;
  readonly proxy: FaultProxy | undefined;
  committed(): Promise<Map<string, number>>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

interface Totals {
  requests: number;
  committed: number;
  absent: number;
  atomic: number;
  violations: string[];
  /** Outside the JS heap, so measuring does not grow what the soak watches. */
  latencies: RecordableHistogram;
  faults: Map<string, number>;
}

const MIX: readonly { weight: number; path: string; rows: number; query: () => string; abortMs?: () => number }[] = [
  { weight: 30, path: "/write", rows: 2, query: () => "&n=2" },
  { weight: 15, path: "/slow-write", rows: 2, query: () => `&ms=${Math.floor(Math.random() * 5)}` },
  { weight: 10, path: "/slow-write", rows: 2, query: () => "&ms=5", abortMs: () => Math.floor(Math.random() * 10) },
  {
    weight: 15,
    path: "/status",
    rows: 1,
    query: () => `&code=${[200, 201, 404, 409, 500][Math.floor(Math.random() * 5)]}`,
  },
  { weight: 10, path: "/hold", rows: 0, query: () => "&ms=2" },
  { weight: 8, path: "/throw", rows: 1, query: () => "" },
  { weight: 6, path: "/throw-after-write", rows: 1, query: () => "" },
  { weight: 6, path: "/stream-error", rows: 1, query: () => "" },
];
const TOTAL_WEIGHT = MIX.reduce((sum, m) => sum + m.weight, 0);

function pick(): (typeof MIX)[number] {
  let r = Math.random() * TOTAL_WEIGHT;
  for (const m of MIX) if ((r -= m.weight) < 0) return m;
  return MIX[0] as (typeof MIX)[number];
}

async function serverLane(name: string, backend: Backend, kind: AppKind): Promise<Lane> {
  const proxy = await FaultProxy.start(backend.url);
  const db = new SQLScope({ onWarning: () => undefined }).add(backend.driver(proxy.url(backend.url)), {
    commit: "autocommit",
    pool: { max: 6, acquireTimeoutMs: 1_000, validationTimeoutMs: 300, createBackoffMaxMs: 1_000, leakDetectionMs: 0 },
  });
  const app = await startApp(kind, db, routeContext(backend.backendIdSql));
  return {
    name,
    db,
    app,
    backend,
    proxy,
    committed: () => backend.committedRows(),
    clear: () => backend.adminQuery("DELETE FROM items"),
    close: async () => {
      await app.close();
      await db.close();
      await proxy.close();
      await backend.close();
    },
  };
}

async function sqliteLane(): Promise<Lane> {
  const dir = mkdtempSync(join(tmpdir(), "sqlscope-soak-"));
  const filename = join(dir, "soak.db");
  const observer = new Database(filename);
  observer.pragma("journal_mode = WAL");
  observer.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, tag TEXT NOT NULL, seq INTEGER NOT NULL DEFAULT 0)");
  const db = new SQLScope({ onWarning: () => undefined }).add(sqlite({ filename }), {
    commit: "autocommit",
    pool: { max: 6, leakDetectionMs: 0 },
  });
  const app = await startApp("express", db, routeContext("SELECT 0 AS id"));
  const count = observer.prepare("SELECT tag, count(*) AS n FROM items GROUP BY tag");
  return {
    name: "sqlite/express",
    db,
    app,
    backend: undefined,
    proxy: undefined,
    committed: async () => new Map((count.all() as { tag: string; n: number }[]).map((r) => [r.tag, r.n])),
    clear: async () => {
      observer.exec("DELETE FROM items");
    },
    close: async () => {
      await app.close();
      await db.close();
      observer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function routeContext(backendIdSql: string) {
  return {
    backendIdSql,
    sleepSql: (s: number) => `SELECT ${s}`,
    rendezvous: new Rendezvous(),
    commitPauses: new WeakMap<object, string>(),
  };
}

/** The fault of phase `i` and what to do in the middle of it. */
async function fault(lane: Lane, phase: number, totals: Totals): Promise<void> {
  const proxy = lane.proxy;
  if (proxy === undefined || lane.backend === undefined) return;
  const plan: (Fault | "kill" | "reset" | "down")[] = [
    "kill",
    { mode: "latency", ms: 3 },
    "reset",
    { mode: "slice", bytes: 7 },
    "down",
    { mode: "pass" },
  ];
  const step = plan[phase % plan.length] as Fault | "kill" | "reset" | "down";
  const count = (label: string) => totals.faults.set(label, (totals.faults.get(label) ?? 0) + 1);
  await sleep(PHASE_MS / 3);
  if (step === "kill") {
    // Kill two of sqlscope's server sessions, whatever they are doing.
    for (let i = 0; i < 2; i++) {
      const ids = await lane.backend.sessionIds();
      const id = ids[Math.floor(Math.random() * ids.length)];
      if (id !== undefined) await lane.backend.kill(id);
    }
    count(`${lane.backend.name}: kill 2 sessions`);
  } else if (step === "reset") {
    proxy.resetAll();
    count(`${lane.backend.name}: reset every connection`);
  } else if (step === "down") {
    proxy.set({ mode: "down" });
    proxy.resetAll();
    await sleep(800);
    proxy.set({ mode: "pass" });
    count(`${lane.backend.name}: crash + 800 ms down`);
  } else {
    proxy.set(step);
    count(
      `${lane.backend.name}: ${step.mode}${step.mode === "latency" ? ` ${step.ms} ms` : step.mode === "slice" ? ` ${step.bytes} B` : ""}`,
    );
  }
}

async function phase(lane: Lane, index: number, totals: Totals): Promise<void> {
  const ledger = new Ledger();
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const until = Date.now() + PHASE_MS;
  let n = 0;
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < until) {
      const m = pick();
      const tag = `p${index}-${++n}`;
      const abortAfterMs = m.abortMs?.();
      const outcome: Outcome = await send(`${lane.app.url}${m.path}?tag=${tag}${m.query()}`, {
        agent,
        ...(abortAfterMs === undefined ? {} : { abortAfterMs }),
      });
      totals.requests++;
      if (isSuccess(outcome)) totals.latencies.record(Math.max(1, outcome.ms));
      // Routes that mean to succeed can end in a COMMIT whose answer a reset or kill swallowed.
      const meansSuccess = m.path === "/write" || m.path === "/slow-write";
      if (m.rows > 0) ledger.record(tag, m.rows, outcome, { commitInDoubt: meansSuccess && lane.proxy !== undefined });
    }
  });
  await Promise.all([...workers, fault(lane, index, totals)]);
  lane.proxy?.set({ mode: "pass" });
  agent.destroy();
  await assertQuiet(lane.db, lane.backend);
  const problems = ledger.verify(await lane.committed());
  totals.violations.push(...problems.map((p) => `${lane.name} phase ${index}: ${p}`));
  const t = ledger.tally();
  totals.committed += t.committed;
  totals.absent += t.absent;
  totals.atomic += t.atomic;
  await lane.clear();
}

async function main(): Promise<void> {
  const started: RunningServer[] = [];
  const serverUrl = async (envVar: string, start: () => Promise<RunningServer>): Promise<string> => {
    const fromEnv = process.env[envVar];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    const server = await start();
    started.push(server);
    return server.url;
  };
  const [pgUrl, myUrl] = await Promise.all([
    serverUrl("SQLSCOPE_PG_URL", startPostgres),
    serverUrl("SQLSCOPE_MYSQL_URL", startMariadb),
  ]);
  const lanes = [
    await serverLane("postgres/express", await postgresBackend(pgUrl, "soak"), "express"),
    await serverLane("mysql/node-http", await mysqlBackend(myUrl, "soak"), "node-http"),
    await sqliteLane(),
  ];
  const totals: Totals = {
    requests: 0,
    committed: 0,
    absent: 0,
    atomic: 0,
    violations: [],
    latencies: createHistogram(),
    faults: new Map(),
  };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const heap: number[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  const phases = Math.max(1, Math.floor((SECONDS * 1000) / PHASE_MS));
  const begun = Date.now();
  for (let i = 0; i < phases; i++) {
    await Promise.all(lanes.map((lane) => phase(lane, i, totals)));
    gc?.();
    heap.push(process.memoryUsage().heapUsed);
    process.stdout.write(
      `phase ${i + 1}/${phases}: ${totals.requests} requests, heap ${(heap.at(-1)! / 2 ** 20).toFixed(1)} MiB, ${totals.violations.length} violations\n`,
    );
  }
  loop.disable();
  const elapsed = (Date.now() - begun) / 1000;
  for (const lane of lanes) await lane.close();
  for (const s of started) await s.stop();

  const pct = (p: number) => totals.latencies.percentile(p);
  const quarter = Math.max(1, Math.floor(heap.length / 4));
  const mib = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length / 2 ** 20;
  const early = mib(heap.slice(1, 1 + quarter));
  const late = mib(heap.slice(-quarter));
  const report = [
    `| measure | value |`,
    `| --- | --- |`,
    `| duration | ${elapsed.toFixed(0)} s (${phases} phases of ${PHASE_MS / 1000} s, 3 lanes x ${CONCURRENCY} clients) |`,
    `| requests | ${totals.requests} (${(totals.requests / elapsed).toFixed(0)} req/s) |`,
    `| complete 2xx (rows must be present) | ${totals.committed} |`,
    `| complete non-2xx (rows must be absent) | ${totals.absent} |`,
    `| no complete response (all rows or none) | ${totals.atomic} |`,
    `| violations | ${totals.violations.length} |`,
    `| 2xx latency p50 / p99 / max | ${pct(50)} / ${pct(99)} / ${totals.latencies.max} ms |`,
    `| event loop delay max | ${(loop.max / 1e6).toFixed(0)} ms |`,
    `| heap after GC, early / late quarter | ${early.toFixed(1)} / ${late.toFixed(1)} MiB${gc === undefined ? " (run with --expose-gc for exact figures)" : ""} |`,
    `| faults | ${[...totals.faults].map(([k, v]) => `${k} x${v}`).join("; ")} |`,
  ].join("\n");
  process.stdout.write(`\n${report}\n`);
  for (const v of totals.violations.slice(0, 20)) process.stdout.write(`VIOLATION ${v}\n`);
  const flat = late <= early * 1.25 + 4;
  if (!flat) process.stdout.write(`MEMORY grew from ${early.toFixed(1)} to ${late.toFixed(1)} MiB\n`);
  process.exitCode = totals.violations.length === 0 && flat ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
