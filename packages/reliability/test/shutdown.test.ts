// A deploy: SIGTERM to an app process under load, on PostgreSQL and MariaDB, Express and node:http. The
// process runs the documented order (server.close(), db.close({ timeoutMs }), exit; see worker.ts and
// docs/scaling.md). Checked: no 2xx is lost (the ledger), no 5xx for the requests it accepted, nothing
// left on the server (sessions, open transactions), and the process exits within the deadline. With
// one request that outlives the deadline, its work is rolled back and close() reports it.
import { mysqlTestUrl, postgresTestUrl } from "@sqlscope/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppKind } from "../src/apps.ts";
import { mysqlBackend } from "../src/backends/mysql.ts";
import { postgresBackend } from "../src/backends/postgres.ts";
import type { Backend } from "../src/backends/types.ts";
import { send } from "../src/client.ts";
import { eventually } from "../src/eventually.ts";
import { Ledger } from "../src/ledger.ts";
import { runLoad, type LoadRequest } from "../src/load.ts";
import { startProcessApp, type ProcessApp } from "../src/processes.ts";

const servers = [
  { name: "postgres", url: postgresTestUrl(), open: postgresBackend },
  { name: "mysql", url: mysqlTestUrl(), open: mysqlBackend },
] as const;

const SHUTDOWN_MS = 3_000;
const TOTAL = 300;
const CONCURRENCY = 12;
/** Generous: the deadline plus pool drain, driver close and process exit on a loaded 2-core machine. */
const EXIT_SLACK_MS = 2_000;

function mix(i: number): LoadRequest {
  if (i % 10 === 0) return { path: "/status?code=400", rows: 1 };
  if (i % 2 === 0) return { path: "/slow-write?ms=40", rows: 2 };
  return { path: "/write?n=2", rows: 2 };
}

for (const server of servers) {
  describe.skipIf(server.url === undefined)(`${server.name}: SIGTERM under load`, () => {
    let backend: Backend;

    beforeAll(async () => {
      backend = await server.open(server.url as string, "rel_sigterm");
    });
    afterAll(async () => {
      await backend?.close();
    });

    const cases: { app: AppKind; overrun: boolean }[] = [
      { app: "express", overrun: true },
      { app: "node-http", overrun: false },
    ];
    for (const { app: kind, overrun } of cases) {
      const title = overrun
        ? `${kind}: in-flight requests finish, the one past the deadline is rolled back, exit at the deadline`
        : `${kind}: in-flight requests finish and the process exits as soon as they did`;
      it(title, { timeout: 60_000 }, async () => {
        let app: ProcessApp | undefined;
        try {
          app = await startProcessApp({
            backend: server.name,
            url: backend.url,
            app: kind,
            workers: 0,
            pool: { max: 5, acquireTimeoutMs: 5_000 },
            shutdownMs: SHUTDOWN_MS,
          });
          const running = app;
          const ledger = new Ledger();
          const prefix = `${kind}-${overrun ? "overrun" : "quick"}`;
          // Longer than the deadline: its first row is written, then it sleeps past db.close()'s deadline.
          const slowTag = `${prefix}-slow`;
          const slow = overrun ? send(`${running.url}/slow-write?ms=${SHUTDOWN_MS * 3}&tag=${slowTag}`) : undefined;
          let termAt = 0;
          const result = await runLoad({
            total: TOTAL,
            concurrency: CONCURRENCY,
            target: () => running.url,
            request: mix,
            ledger,
            tagPrefix: prefix,
            onDone(done) {
              if (termAt > 0 || done < TOTAL / 3) return;
              termAt = performance.now();
              running.child.kill("SIGTERM");
            },
          });
          const exit = await running.exited();
          const exitMs = performance.now() - termAt;
          const closed = await running.closed();
          if (slow !== undefined) ledger.record(slowTag, 2, await slow);

          // Accepted requests all got their answer; the rest were refused at connect (never accepted). A
          // connection accepted just before server.close() whose request reaches the app after db.close()
          // began gets its scope refused (ShutdownError, a 503): nothing ran, so nothing to lose.
          const { "201": created = 0, "400": rejected = 0, failed = 0, ...others } = result.statuses;
          const refusedResponses = Object.values(others).reduce((n, c) => n + c, 0);
          expect(Object.keys(others).every((status) => status === "503")).toBe(true);
          expect(created).toBeGreaterThan(TOTAL / 3 - CONCURRENCY);
          expect(created + rejected + failed + refusedResponses).toBe(TOTAL);
          const refusals = result.outcomes
            .filter((o) => o.kind === "failed")
            .map((o) => (o.kind === "failed" ? o.error : ""));
          for (const error of refusals) expect(error).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);

          expect(exit).toEqual({ code: 0, signal: null });
          expect(exitMs).toBeLessThan(SHUTDOWN_MS + EXIT_SLACK_MS);
          if (overrun) {
            expect(exitMs).toBeGreaterThanOrEqual(SHUTDOWN_MS - 50);
            expect(closed.report).toMatchObject({ abandoned: 1, destroyed: 1 });
          } else {
            expect(closed.report).toMatchObject({ abandoned: 0, destroyed: 0 });
          }
          expect(closed.report.inFlight).toBeGreaterThanOrEqual(overrun ? 1 : 0);
          // Every error status was a refused scope, and every refused scope an error status.
          expect(refusedResponses).toBe(closed.report.refused);

          // Nothing lost, nothing half-done, nothing left on the server.
          const committed = new Map(
            [...(await backend.committedRows())].filter(([tag]) => tag.startsWith(`${prefix}-`)),
          );
          expect(ledger.verify(committed)).toEqual([]);
          if (overrun) expect(committed.get(slowTag) ?? 0).toBe(0);
          await eventually(async () => (await backend.sessions()) === 0, "no session of the app left on the server");
          expect(await backend.openTransactions()).toBe(0);

          console.log(
            `[shutdown] ${JSON.stringify({
              server: server.name,
              app: kind,
              overrun,
              deadlineMs: SHUTDOWN_MS,
              sigtermToExitMs: Math.round(exitMs),
              report: closed.report,
              statuses: result.statuses,
              inDoubt: ledger.inDoubt(committed),
            })}`,
          );
        } finally {
          await app?.stop();
        }
      });
    }
  });
}
