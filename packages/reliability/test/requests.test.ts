// Requests that go wrong on their own: the pool runs dry, COMMIT itself fails, clients leave mid-request
// under load, handlers throw after a partial write, response streams break. Through Express and
// node-http, on PostgreSQL, on PostgreSQL through PgBouncer (transaction pooling), and on MariaDB.
import { mysqlTestUrl, pgbouncerTestUrl, postgresTestUrl } from "@sqlscope/test-support";
import { Agent } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mysqlBackend } from "../src/backends/mysql.ts";
import { postgresBackend } from "../src/backends/postgres.ts";
import type { Backend } from "../src/backends/types.ts";
import { isSuccess, send, statusOf, type Outcome } from "../src/client.ts";
import { sleep } from "../src/eventually.ts";
import { assertQuiet } from "../src/invariants.ts";
import { Ledger } from "../src/ledger.ts";
import { startEnv, type Env } from "./env.ts";
import { throughBouncer } from "./pgbouncer.ts";

const bouncer = pgbouncerTestUrl();
const servers = [
  { name: "postgres", label: "postgres", url: postgresTestUrl(), open: postgresBackend, via: undefined },
  {
    name: "postgres",
    label: "postgres via pgbouncer",
    url: bouncer === undefined ? undefined : postgresTestUrl(),
    open: postgresBackend,
    via: bouncer,
  },
  { name: "mysql", label: "mysql", url: mysqlTestUrl(), open: mysqlBackend, via: undefined },
] as const;

const ACQUIRE_MS = 300;

for (const server of servers) {
  describe.skipIf(server.url === undefined)(`${server.label}: requests that go wrong`, () => {
    let backend: Backend;
    const ledger = new Ledger();
    let n = 0;

    beforeAll(async () => {
      backend = await server.open(server.url as string, "rel_req");
    });
    afterAll(async () => {
      await backend?.close();
    });

    for (const kind of ["express", "node-http"] as const) {
      describe(kind, () => {
        let env: Env;
        const tag = (what: string) => `${kind}-${what}-${++n}`;

        beforeAll(async () => {
          const url = server.via === undefined ? {} : { url: throughBouncer(backend.url, server.via) };
          env = await startEnv(backend, { app: kind, ledger, pool: { max: 2, acquireTimeoutMs: ACQUIRE_MS }, ...url });
        });
        afterEach(async () => {
          env.rendezvous.releaseAll();
          await assertQuiet(env.db, backend);
          expect(ledger.verify(await backend.committedRows())).toEqual([]);
        });
        afterAll(async () => {
          await env?.close();
        });

        async function call(
          path: string,
          what: string,
          rows: number,
          query = "",
          options: Parameters<typeof send>[1] = {},
        ): Promise<Outcome> {
          const t = tag(what);
          const outcome = await send(`${env.app.url}${path}?tag=${t}${query}`, options);
          ledger.record(t, rows, outcome);
          return outcome;
        }

        it("pool exhausted: a waiter that gets a connection in time succeeds, one that does not gets 503 at the deadline", async () => {
          const parked = [tag("hold"), tag("hold")];
          const holding = parked.map((t) => send(`${env.app.url}/park?tag=${t}&then=respond`));
          for (const t of parked) await env.rendezvous.reached(t);
          expect(env.db.stats().borrowed).toBe(2);

          const timedOut = await call("/write", "starved", 1);
          expect(statusOf(timedOut)).toBe(503);
          expect(timedOut.ms).toBeGreaterThanOrEqual(ACQUIRE_MS - 5);
          // Generous: the deadline plus HTTP on loopback plus a loaded 2-core machine's timer lag.
          expect(timedOut.ms).toBeLessThan(ACQUIRE_MS + 250);

          const waiting = call("/write", "waited", 1);
          await sleep(100);
          env.rendezvous.release(parked[0] as string);
          expect(statusOf(await waiting)).toBe(201);

          env.rendezvous.release(parked[1] as string);
          const held = await Promise.all(holding);
          parked.forEach((t, i) => ledger.record(t, 1, held[i] as Outcome));
          expect(held.map(statusOf)).toEqual([201, 201]);
        });

        it.skipIf(server.name !== "postgres")(
          "COMMIT fails on a deferred constraint: 500, not 201, and the row is absent",
          async () => {
            const outcome = await call("/deferred", "deferred", 1);
            expect(statusOf(outcome)).toBe(500);
            expect(env.warnings.some((w) => (w as { code?: string }).code === "ERR_SQLSCOPE_COMMIT_FAILED")).toBe(true);
          },
        );

        it("handler throws before writing: 500 and rolled back", async () => {
          expect(statusOf(await call("/throw", "throw", 1))).toBe(500);
        });

        it("handler throws after a partial write: the client never gets a complete response", async () => {
          const outcome = await call("/throw-after-write", "partial", 1);
          expect(outcome.kind).toBe("failed");
        });

        it("the response stream errors: the client never gets a complete response", async () => {
          const outcome = await call("/stream-error", "stream", 1);
          expect(outcome.kind).toBe("failed");
        });

        it("clients abort mid-request under load: every 2xx has its rows, nothing half-written, nothing leaked", async () => {
          // Keep-alive sockets like a real client pool; aborted requests destroy theirs.
          const agent = new Agent({ keepAlive: true, maxSockets: 16 });
          const mix = [
            () =>
              call("/slow-write", "abort", 2, `&ms=${Math.floor(Math.random() * 10)}`, {
                agent,
                abortAfterMs: Math.floor(Math.random() * 15),
              }),
            () => call("/slow-write", "slow", 2, "&ms=2", { agent }),
            () => call("/write", "write", 3, "&n=3", { agent }),
            () =>
              call("/status", "status", 1, `&code=${[200, 404, 409, 500][Math.floor(Math.random() * 4)]}`, { agent }),
            () => call("/throw", "throw", 1, "", { agent }),
            () => call("/throw-after-write", "partial", 1, "", { agent }),
          ];
          const outcomes: Outcome[] = [];
          const workers = Array.from({ length: 8 }, async () => {
            for (let i = 0; i < 20; i++)
              outcomes.push(await (mix[Math.floor(Math.random() * mix.length)] as () => Promise<Outcome>)());
          });
          await Promise.all(workers);
          agent.destroy();
          expect(outcomes.length).toBe(160);
          // Real work got through (the pool of 2 queues 8 workers within its 300 ms deadline).
          expect(outcomes.filter(isSuccess).length).toBeGreaterThan(20);
        });
      });
    }
  });
}
