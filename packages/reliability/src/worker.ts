// One app process of the multi-process and shutdown scenarios (started by processes.ts, never by a
// test directly): the scenario routes on a real PostgreSQL or MariaDB, as one process or as a
// node:cluster primary with N workers sharing a port. It talks to the test over IPC: "ready" with its
// URL and pids, pool figures on request, and on SIGTERM the documented shutdown order (stop accepting,
// db.close() with a deadline, exit) with what close() reported.
import cluster, { type Worker } from "node:cluster";
import type { AddressInfo } from "node:net";
import { SQLScope, type CloseReport, type PoolOptions, type PoolStats } from "@sqlscope/core";
import { mysql } from "@sqlscope/mysql";
import { postgres } from "@sqlscope/postgres";
import { appServer, type AppKind } from "./apps.ts";
import { Rendezvous } from "./rendezvous.ts";

export interface WorkerConfig {
  readonly backend: "postgres" | "mysql";
  /** The database URL every process connects to. */
  readonly url: string;
  readonly app: AppKind;
  /** 0: one plain process; n > 0: a cluster primary that forks n workers on one port. */
  readonly workers: number;
  readonly pool: Partial<PoolOptions>;
  /** db.close() deadline on SIGTERM. */
  readonly shutdownMs: number;
}

/** Pool figures of each live app process. */
export type ProcessStats = readonly { readonly pid: number; readonly stats: PoolStats }[];

/** Child to parent. */
export type WorkerMessage =
  | { readonly type: "ready"; readonly url: string; readonly pids: readonly number[] }
  | { readonly type: "stats"; readonly id: number; readonly stats: ProcessStats }
  | { readonly type: "closed"; readonly pid: number; readonly report: CloseReport; readonly ms: number };

/** Parent to child. */
export type ParentMessage = { readonly type: "stats"; readonly id: number };

const config = JSON.parse(process.env["SQLSCOPE_WORKER"] ?? "null") as WorkerConfig | null;
if (config === null) throw new Error("worker.ts is started by processes.ts with SQLSCOPE_WORKER set");

function send(message: WorkerMessage, then?: () => void): void {
  if (process.send === undefined) then?.();
  else process.send(message, undefined, {}, () => then?.());
}

if (config.workers > 0 && cluster.isPrimary) await runPrimary(config);
else await runApp(config);

async function runApp(c: WorkerConfig): Promise<void> {
  const driver =
    c.backend === "postgres"
      ? postgres({ connectionString: c.url, connectTimeoutMs: 5_000 })
      : mysql({ uri: c.url, connectTimeoutMs: 5_000 });
  const db = new SQLScope({ onWarning: () => undefined }).add(driver, { commit: "autocommit", pool: c.pool });
  const server = appServer(c.app, db, {
    backendIdSql: c.backend === "postgres" ? "SELECT pg_backend_pid() AS id" : "SELECT CONNECTION_ID() AS id",
    sleepSql: (s) => (c.backend === "postgres" ? `SELECT pg_sleep(${s})` : `SELECT SLEEP(${s})`),
    rendezvous: new Rendezvous(),
    commitPauses: new WeakMap(),
  });
  // Cluster workers listening on port 0 all get the primary's one port.
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  process.on("message", (message: ParentMessage) => {
    if (message.type === "stats")
      send({ type: "stats", id: message.id, stats: [{ pid: process.pid, stats: db.stats() }] });
  });
  process.once("SIGTERM", () => {
    // The order docs/scaling.md gives: stop accepting connections (Node also closes idle keep-alive
    // ones), let the scopes in flight finish within the deadline (new ones get a 503), cut whatever
    // connection is still open, exit.
    const started = performance.now();
    server.close();
    void db.close({ timeoutMs: c.shutdownMs }).then((report) => {
      server.closeAllConnections();
      send({ type: "closed", pid: process.pid, report, ms: Math.round(performance.now() - started) }, () =>
        process.exit(0),
      );
    });
  });
  send({ type: "ready", url: `http://127.0.0.1:${port}`, pids: [process.pid] });
}

async function runPrimary(c: WorkerConfig): Promise<void> {
  const workers = new Map<number, Worker>();
  const urls = await Promise.all(
    Array.from(
      { length: c.workers },
      () =>
        new Promise<{ url: string; pid: number }>((resolve, reject) => {
          const worker = cluster.fork();
          worker.once("exit", (code) => reject(new Error(`a cluster worker exited with ${code} before it was ready`)));
          worker.once("message", (m: WorkerMessage) => {
            if (m.type !== "ready") return;
            const pid = worker.process.pid ?? 0;
            workers.set(pid, worker);
            worker.removeAllListeners("exit");
            // A worker killed by the test is not replaced: the scenario checks that the others carry on.
            worker.once("exit", () => workers.delete(pid));
            resolve({ url: m.url, pid });
          });
        }),
    ),
  );
  process.on("message", (message: ParentMessage) => {
    if (message.type !== "stats") return;
    void Promise.all([...workers.values()].map((w) => askStats(w, message.id))).then((all) => {
      send({ type: "stats", id: message.id, stats: all.flat() });
    });
  });
  send({ type: "ready", url: urls[0]?.url ?? "", pids: urls.map((u) => u.pid) });
}

function askStats(worker: Worker, id: number): Promise<ProcessStats> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve([]), 2_000);
    const on = (m: WorkerMessage) => {
      if (m.type !== "stats" || m.id !== id) return;
      clearTimeout(timer);
      worker.off("message", on);
      resolve(m.stats);
    };
    worker.on("message", on);
    worker.send({ type: "stats", id } satisfies ParentMessage);
  });
}
