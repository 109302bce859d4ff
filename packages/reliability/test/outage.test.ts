// The database goes away and comes back, seen through a fault-injecting proxy: every open connection
// reset (a crash or restart), new connections refused (down), bytes stopped (hang), slow or sliced
// traffic. The process survives, acquires fail within their deadline without a connect storm, and
// the first request after the server is back succeeds.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { FaultProxy, mysqlTestUrl, postgresTestUrl } from "@sqlscope/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mysqlBackend } from "../src/backends/mysql.ts";
import { postgresBackend } from "../src/backends/postgres.ts";
import type { Backend } from "../src/backends/types.ts";
import { send, statusOf, type Outcome } from "../src/client.ts";
import { sleep } from "../src/eventually.ts";
import { assertQuiet } from "../src/invariants.ts";
import { Ledger } from "../src/ledger.ts";
import { startEnv, type Env } from "./env.ts";

const servers = [
  { name: "postgres", url: postgresTestUrl(), open: postgresBackend },
  { name: "mysql", url: mysqlTestUrl(), open: mysqlBackend },
] as const;

const ACQUIRE_MS = 400;

for (const server of servers) {
  describe.skipIf(server.url === undefined)(`${server.name}: outages through a fault proxy`, () => {
    let backend: Backend;
    let proxy: FaultProxy;
    const ledger = new Ledger();
    let n = 0;
    const tag = (what: string) => `${what}-${++n}`;

    beforeAll(async () => {
      backend = await server.open(server.url as string, "rel_outage");
      proxy = await FaultProxy.start(backend.url);
    });
    afterAll(async () => {
      await proxy?.close();
      await backend?.close();
    });

    for (const kind of ["express", "node-http"] as const) {
      describe(kind, () => {
        let env: Env;

        beforeAll(async () => {
          env = await startEnv(backend, {
            app: kind,
            url: proxy.url(backend.url),
            ledger,
            pool: {
              max: 4,
              acquireTimeoutMs: ACQUIRE_MS,
              createBackoffMs: 50,
              createBackoffMaxMs: 1_000,
              validationTimeoutMs: 200,
            },
          });
        });
        afterEach(async () => {
          proxy.set({ mode: "pass" });
          env.rendezvous.releaseAll();
          await assertQuiet(env.db, backend);
          expect(ledger.verify(await backend.committedRows())).toEqual([]);
        });
        afterAll(async () => {
          await env?.close();
        });

        async function write(what: string, rows = 1, path = "/write", commitInDoubt = false): Promise<Outcome> {
          const t = tag(`${kind}-${what}`);
          const outcome = await send(`${env.app.url}${path}?tag=${t}&n=${rows}`);
          ledger.record(t, rows, outcome, { commitInDoubt });
          return outcome;
        }

        it("restart with idle and borrowed connections: 500 for the borrowed, 503 in time while down, no connect storm, then 201", async () => {
          // Warm the pool: several idle connections.
          const warm = await Promise.all([write("warm"), write("warm"), write("warm")]);
          expect(warm.map(statusOf)).toEqual([201, 201, 201]);
          const parked = tag(`${kind}-parked`);
          const pending = send(`${env.app.url}/park?tag=${parked}&then=respond`);
          await env.rendezvous.reached(parked);

          // The server crashes: every connection reset, and it refuses new ones while it is down.
          proxy.set({ mode: "down" });
          proxy.resetAll();
          env.rendezvous.release(parked);
          const parkedOutcome = await pending;
          ledger.record(parked, 1, parkedOutcome);
          expect(statusOf(parkedOutcome)).toBe(500);

          // While down, an acquire fails with PoolTimeoutError (503) at its deadline: not much earlier
          // (it waited for a connection) and not later than the deadline plus what the event loop lagged.
          const refusedBefore = proxy.stats().refused;
          const lag = monitorEventLoopDelay({ resolution: 10 });
          lag.enable();
          const down = await Promise.all([write("down"), write("down"), write("down")]);
          lag.disable();
          const tolerance = 50 + lag.max / 1e6;
          for (const outcome of down) {
            expect(statusOf(outcome)).toBe(503);
            expect(outcome.ms).toBeGreaterThanOrEqual(ACQUIRE_MS - 5);
            expect(outcome.ms).toBeLessThanOrEqual(ACQUIRE_MS + tolerance);
          }
          // Three waiters for ~400 ms: with backoff (50, 100, 200 ms...) a handful of attempts; a spinning
          // create would make thousands.
          const attempts = proxy.stats().refused - refusedBefore;
          expect(attempts).toBeGreaterThan(0);
          expect(attempts).toBeLessThanOrEqual(20);
          // Once nobody waits, the pool stops: creates already sleeping in their backoff make their one
          // attempt each (at most pool.max of them, within createBackoffMaxMs), then nothing more.
          const afterTimeouts = proxy.stats().refused;
          await sleep(1_200);
          const settled = proxy.stats().refused;
          expect(settled - afterTimeouts).toBeLessThanOrEqual(4);
          await sleep(400);
          expect(proxy.stats().refused).toBe(settled);

          // The server is back: the very next request succeeds.
          proxy.set({ mode: "pass" });
          expect(statusOf(await write("back"))).toBe(201);
        });

        it("hang: acquires fail at their deadline, and after the network heals the next request succeeds", async () => {
          expect(statusOf(await write("before-hang"))).toBe(201);
          await sleep(150); // the idle connection is now validated on borrow (validateAfterIdleMs 100)
          proxy.set({ mode: "hang" });
          const hung = await write("hang");
          expect(statusOf(hung)).toBe(503);
          expect(hung.ms).toBeLessThan(ACQUIRE_MS + 1_000);
          proxy.set({ mode: "pass" });
          expect(statusOf(await write("healed"))).toBe(201);
        });

        it("latency and sliced packets: every request commits exactly what it said", async () => {
          // As many requests as the pool has connections: with 30 ms per round trip a queued one would
          // rightly time out (acquireTimeoutMs 400), which is the pool test's business, not this one's.
          proxy.set({ mode: "latency", ms: 15 });
          const slow = await Promise.all(Array.from({ length: 4 }, () => write("latency", 3)));
          expect(slow.map(statusOf)).toEqual(Array(4).fill(201));
          proxy.set({ mode: "slice", bytes: 3 });
          const sliced = await Promise.all(Array.from({ length: 4 }, () => write("slice", 3)));
          expect(sliced.map(statusOf)).toEqual(Array(4).fill(201));
        });

        it("reset while requests run: each gets 201 with its rows or a failure with none", async () => {
          // A reset can swallow a COMMIT's answer: such a 500 may hide committed work (in doubt), so
          // only all-or-nothing is checked for these; 2xx must still have every row.
          const outcomes = Array.from({ length: 8 }, (_, i) =>
            write("reset-race", 2, i % 2 === 0 ? "/write" : "/slow-write", true),
          );
          await sleep(5);
          proxy.resetAll();
          const done = await Promise.all(outcomes);
          for (const outcome of done) expect([201, 500, 503]).toContain(statusOf(outcome));
          expect(statusOf(await write("after-reset"))).toBe(201);
        });
      });
    }
  });
}
