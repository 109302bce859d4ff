// The server ends a session (pg_terminate_backend, MariaDB KILL) while its connection is idle in the
// pool, borrowed by a request, running a query, or between the request's last statement and COMMIT.
// Whatever the moment: no 2xx for work that is not there, nothing borrowed, no open transaction, and
// the next request succeeds.
import { mysqlTestUrl, postgresTestUrl } from "@sqlscope/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AppKind } from "../src/apps.ts";
import { mysqlBackend } from "../src/backends/mysql.ts";
import { postgresBackend } from "../src/backends/postgres.ts";
import type { Backend } from "../src/backends/types.ts";
import { send, statusOf } from "../src/client.ts";
import { eventually, sleep } from "../src/eventually.ts";
import { assertQuiet } from "../src/invariants.ts";
import { Ledger } from "../src/ledger.ts";
import { startEnv, type Env } from "./env.ts";

const servers = [
  { name: "postgres", url: postgresTestUrl(), open: postgresBackend },
  { name: "mysql", url: mysqlTestUrl(), open: mysqlBackend },
] as const;
const apps: AppKind[] = ["express", "node-http"];

for (const server of servers) {
  describe.skipIf(server.url === undefined)(`${server.name}: backend killed`, () => {
    let backend: Backend;
    const ledger = new Ledger();

    beforeAll(async () => {
      backend = await server.open(server.url as string, "rel_kill");
    });
    afterAll(async () => {
      await backend?.close();
    });

    for (const kind of apps) {
      describe(kind, () => {
        let env: Env;
        let n = 0;
        const tag = (what: string) => `${kind}-${what}-${++n}`;

        beforeAll(async () => {
          env = await startEnv(backend, { app: kind, ledger });
        });
        afterEach(async () => {
          env.rendezvous.releaseAll();
          await assertQuiet(env.db, backend);
          // The process survived and the pool recovered: a fresh request commits.
          const t = tag("after");
          const after = await send(`${env.app.url}/write?tag=${t}`);
          env.ledger.record(t, 1, after);
          expect(statusOf(after)).toBe(201);
          await assertQuiet(env.db, backend);
          expect(env.ledger.verify(await backend.committedRows())).toEqual([]);
        });
        afterAll(async () => {
          await env?.close();
        });

        async function killAndWait(id: number): Promise<void> {
          await backend.kill(id);
          await eventually(async () => !(await backend.alive(id)), `session ${id} gone from the server`);
        }

        it("idle in the pool: the next request gets a working connection", async () => {
          const t1 = tag("idle");
          const first = await send(`${env.app.url}/write?tag=${t1}`);
          env.ledger.record(t1, 1, first);
          expect(statusOf(first)).toBe(201);
          await assertQuiet(env.db, backend);
          const id = Number(first.kind === "response" ? first.body : NaN);
          await killAndWait(id);
          // Longer than validateAfterIdleMs (100): the pool must check the connection before lending it.
          await sleep(150);
          const t2 = tag("idle");
          const next = await send(`${env.app.url}/write?tag=${t2}`);
          env.ledger.record(t2, 1, next);
          expect(statusOf(next)).toBe(201);
          expect(next.kind === "response" && Number(next.body)).not.toBe(id);
        });

        for (const then of ["respond", "insert"] as const) {
          it(`borrowed by a request (then ${then}): 500, its row absent`, async () => {
            const t = tag(`borrowed-${then}`);
            const pending = send(`${env.app.url}/park?tag=${t}&then=${then}`);
            await killAndWait(await env.rendezvous.reached(t));
            env.rendezvous.release(t);
            const outcome = await pending;
            env.ledger.record(t, then === "insert" ? 2 : 1, outcome);
            expect(statusOf(outcome)).toBe(500);
          });
        }

        it("mid-query: 500, its row absent", async () => {
          const t = tag("midquery");
          const pending = send(`${env.app.url}/sleep?tag=${t}&seconds=5`);
          const id = await env.rendezvous.reached(t);
          await eventually(() => backend.running(id, backend.sleepSql(5)), "the sleep statement running on the server");
          const started = Date.now();
          await killAndWait(id);
          const outcome = await pending;
          env.ledger.record(t, 1, outcome);
          expect(statusOf(outcome)).toBe(500);
          // The request ended because of the kill, not because the 5 s sleep ran out.
          expect(Date.now() - started).toBeLessThan(4_000);
        });

        it("between the last statement and COMMIT: the commit fails, 500, its row absent", async () => {
          const t = tag("precommit");
          const pending = send(`${env.app.url}/commit-pause?tag=${t}`);
          const id = await env.rendezvous.reached(t);
          await env.rendezvous.reached(`commit:${t}`);
          await killAndWait(id);
          env.rendezvous.release(`commit:${t}`);
          const outcome = await pending;
          env.ledger.record(t, 1, outcome);
          expect(statusOf(outcome)).toBe(500);
          expect(env.warnings.some((w) => (w as { code?: string }).code === "ERR_SQLSCOPE_COMMIT_FAILED")).toBe(true);
        });
      });
    }
  });
}
