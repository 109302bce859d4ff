// Many app processes on one database: 4 processes (a node:cluster of 4 workers on one port, and 4
// independent processes behind a client-side round robin) on one PostgreSQL and one MariaDB, bounded
// concurrent writes through all of them, and one process killed with SIGKILL mid-load. Checked: every
// 2xx's rows are there and no other response left a row (the ledger), no 5xx at all, the killed
// process's open transactions rolled back on the server, its sessions gone, the others kept serving,
// and nothing is left borrowed or open in the survivors' pools. The figures go to docs/scaling.md.
import { mysqlTestUrl, postgresTestUrl } from "@sqlscope/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mysqlBackend } from "../src/backends/mysql.ts";
import { postgresBackend } from "../src/backends/postgres.ts";
import type { Backend } from "../src/backends/types.ts";
import { send, statusOf } from "../src/client.ts";
import { eventually } from "../src/eventually.ts";
import { Ledger } from "../src/ledger.ts";
import { runLoad, type LoadRequest } from "../src/load.ts";
import { killQuietly, startProcessApp, type ProcessApp } from "../src/processes.ts";

const servers = [
  { name: "postgres", url: postgresTestUrl(), open: postgresBackend },
  { name: "mysql", url: mysqlTestUrl(), open: mysqlBackend },
] as const;

const PROCESSES = 4;
const POOL_MAX = 5;
const TOTAL = 600;
const CONCURRENCY = 16;
/**
 * A connection the cluster primary handed to a worker that died before accepting it stays open in the
 * primary and never gets an answer (Node's round-robin handoff waits for the worker's reply): clients,
 * like load balancers, need a deadline.
 */
const CLIENT_TIMEOUT_MS = 5_000;

/** Mostly two-row writes, a third of them slow (so transactions are open when the kill comes), and a 400 that must roll back. */
function mix(i: number): LoadRequest {
  if (i % 10 === 0) return { path: "/status?code=400", rows: 1 };
  if (i % 3 === 0) return { path: "/slow-write?ms=15", rows: 2 };
  return { path: "/write?n=2", rows: 2 };
}

for (const server of servers) {
  describe.skipIf(server.url === undefined)(
    `${server.name}: ${PROCESSES} processes on one database, one killed with SIGKILL`,
    () => {
      let backend: Backend;

      beforeAll(async () => {
        backend = await server.open(server.url as string, "rel_multi");
      });
      afterAll(async () => {
        await backend?.close();
      });

      for (const mode of ["cluster", "independent"] as const) {
        it(`${mode}: the ledger holds, the survivors serve and hold nothing`, { timeout: 120_000 }, async () => {
          const apps: ProcessApp[] = [];
          try {
            const config = {
              backend: server.name,
              url: backend.url,
              app: "express",
              pool: { max: POOL_MAX, acquireTimeoutMs: 5_000 },
              shutdownMs: 5_000,
            } as const;
            if (mode === "cluster") apps.push(await startProcessApp({ ...config, workers: PROCESSES }));
            else
              apps.push(
                ...(await Promise.all(
                  Array.from({ length: PROCESSES }, () => startProcessApp({ ...config, workers: 0 })),
                )),
              );
            const servingPids = apps.flatMap((a) => a.pids);
            expect(servingPids).toHaveLength(PROCESSES);
            const victim = servingPids[1] as number;
            // Independent processes: the client stops sending to the dead one (what a load balancer does).
            let targets = apps.map((a) => a.url);
            const ledger = new Ledger();
            let peakSessions = 0;
            let sampling = true;
            const sampler = (async () => {
              while (sampling) {
                peakSessions = Math.max(peakSessions, await backend.sessions().catch(() => 0));
                await new Promise((resolve) => setTimeout(resolve, 25));
              }
            })();
            let killedAt = -1;
            const result = await runLoad({
              total: TOTAL,
              concurrency: CONCURRENCY,
              target: (i) => targets[i % targets.length] as string,
              request: mix,
              ledger,
              tagPrefix: mode,
              abortAfterMs: CLIENT_TIMEOUT_MS,
              onDone(done) {
                if (killedAt >= 0 || done < TOTAL / 3) return;
                killedAt = done;
                killQuietly(victim);
                if (mode === "independent") targets = apps.filter((a) => !a.pids.includes(victim)).map((a) => a.url);
              },
            });
            sampling = false;
            await sampler;

            // What clients saw: 201s, the deliberate 400s, and failures only from the requests the victim held.
            const { "201": created = 0, "400": rejected = 0, failed = 0, ...others } = result.statuses;
            expect(others, "no other status (no 5xx) from any process").toEqual({});
            expect(failed).toBeLessThanOrEqual(CONCURRENCY);
            expect(created + rejected + failed).toBe(TOTAL);

            // Both modes write to one database: each checks its own tags.
            const own = async () =>
              new Map([...(await backend.committedRows())].filter(([tag]) => tag.startsWith(`${mode}-`)));
            const committed = await own();
            expect(ledger.verify(committed)).toEqual([]);
            // The server rolled back what the victim had open and dropped its sessions.
            await eventually(async () => (await backend.openTransactions()) === 0, "no open transaction on the server");
            const living = apps.filter((a) => mode === "cluster" || !a.pids.includes(victim));
            let survivors = await Promise.all(living.map((a) => a.stats()));
            await eventually(
              async () => {
                survivors = await Promise.all(living.map((a) => a.stats()));
                return survivors.flat().every((p) => p.stats.borrowed === 0 && p.stats.pending === 0);
              },
              () => `nothing borrowed or waited for in the survivors' pools: ${JSON.stringify(survivors)}`,
            );
            const alive = survivors.flat();
            expect(alive.map((p) => p.pid).sort()).toEqual(servingPids.filter((p) => p !== victim).sort());
            const pooled = alive.reduce((n, p) => n + p.stats.size, 0);
            await eventually(async () => (await backend.sessions()) <= pooled, "the victim's server sessions are gone");
            // The survivors keep serving.
            for (const [i, url] of (mode === "cluster"
              ? [apps[0]?.url, apps[0]?.url, apps[0]?.url]
              : targets
            ).entries()) {
              const tag = `${mode}-after-${i}`;
              const outcome = await send(`${url as string}/write?tag=${tag}`);
              ledger.record(tag, 1, outcome);
              expect(statusOf(outcome)).toBe(201);
            }
            expect(ledger.verify(await own())).toEqual([]);

            const figures = {
              server: server.name,
              mode,
              processes: PROCESSES,
              poolMax: POOL_MAX,
              requests: TOTAL,
              concurrency: CONCURRENCY,
              ms: result.ms,
              reqPerSec: Math.round((TOTAL / result.ms) * 1000),
              statuses: result.statuses,
              killedAfter: killedAt,
              inDoubt: ledger.inDoubt(committed),
              peakServerSessions: peakSessions,
            };
            console.log(`[multi-process] ${JSON.stringify(figures)}`);
            expect(peakSessions).toBeLessThanOrEqual(PROCESSES * POOL_MAX);
          } finally {
            await Promise.all(apps.map((a) => a.stop()));
          }
        });
      }
    },
  );
}
