import type { SQLScope } from "@sqlscope/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { request, startRequest, waitFor } from "./client.ts";
import { SuiteDatabase, type SuiteConfig } from "./database.ts";
import { Probe } from "./probe.ts";
import { SAVED_BODY, STREAM_CHUNKS, streamChunk, suiteRoutes } from "./routes.ts";
import type { AdapterHarness, StartedServer } from "./types.ts";

/** The registries the suite starts one server for, each a commit policy to check. */
const CONFIGS = {
  autocommit: { commit: "autocommit", extraCommitStatuses: [409], extraRollbackStatuses: [202], slowCommitMs: 25 },
  redirect: { commit: "autocommit-include-redirect", slowCommitMs: 25 },
  manual: { commit: "manual" },
  // One connection and a short deadline: a second request that needs one gets PoolTimeoutError.
  tight: { commit: "autocommit", pool: { max: 1, acquireTimeoutMs: 150 } },
} satisfies Record<string, SuiteConfig>;

type ConfigName = keyof typeof CONFIGS;

let tagCounter = 0;
function newTag(label: string): string {
  return `${label}-${process.pid}-${++tagCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The conformance suite every framework adapter runs: real HTTP on 127.0.0.1, a real SQLite file,
 * and a second, independent SQLite handle to check what was committed and when. After every test no
 * connection may be borrowed and no transaction open.
 *
 * @example
 * runAdapterSuite({ name: "node-http", start: async (db, routes) => listen(withScope(db, router(routes))) });
 */
export function runAdapterSuite(harness: AdapterHarness): void {
  describe(`adapter conformance: ${harness.name}`, () => {
    const probe = new Probe();
    let file: SuiteDatabase;
    const running = new Map<ConfigName, { db: SQLScope; server: StartedServer }>();

    const url = (config: ConfigName, path: string, params: Record<string, string | number> = {}): string => {
      const target = running.get(config);
      if (target === undefined) throw new Error(`No server for ${config}`);
      const qs = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
      return `${target.server.url}${path}?${qs.toString()}`;
    };
    const registry = (config: ConfigName): SQLScope => {
      const target = running.get(config);
      if (target === undefined) throw new Error(`No server for ${config}`);
      return target.db;
    };

    beforeAll(async () => {
      file = new SuiteDatabase();
      const routes = suiteRoutes(probe);
      for (const name of Object.keys(CONFIGS) as ConfigName[]) {
        const db = file.registry(CONFIGS[name]);
        running.set(name, { db, server: await harness.start(db, routes) });
      }
    });

    afterEach(async () => {
      probe.releaseAll();
      for (const [name, { db }] of running) {
        const idle = await waitFor(() => db.stats().borrowed === 0);
        expect(idle, `${name}: every connection is back in the pool`).toBe(true);
      }
      file.assertNoOpenTransaction();
    });

    afterAll(async () => {
      probe.releaseAll();
      for (const { db, server } of running.values()) {
        await server.close();
        await db.close();
      }
      running.clear();
      file.close();
    });

    describe("commit by status", () => {
      it.each([
        [200, 1],
        [201, 1],
        [204, 1],
        [302, 0],
        [400, 0],
        [404, 0],
        [500, 0],
        [409, 1], // extraCommitStatuses
        [202, 0], // extraRollbackStatuses
      ])('autocommit: status %i -> %i committed row(s)', async (code, rows) => {
        const tag = newTag("status");
        const res = await request(url("autocommit", "/status", { tag, code }), { method: "POST" });
        expect(res.status).toBe(code);
        expect(file.committedRows(tag)).toBe(rows);
      });

      it.each([
        [200, 1],
        [301, 1],
        [302, 1],
        [303, 1],
        [400, 0],
        [500, 0],
      ])('autocommit-include-redirect: status %i -> %i committed row(s)', async (code, rows) => {
        const tag = newTag("redirect");
        const res = await request(url("redirect", "/status", { tag, code }), { method: "POST" });
        expect(res.status).toBe(code);
        expect(file.committedRows(tag)).toBe(rows);
      });

      it.each([200, 500])("manual: statements outside begin() run in the driver's autocommit (status %i)", async (code) => {
        const tag = newTag("manual");
        const res = await request(url("manual", "/status", { tag, code }), { method: "POST" });
        expect(res.status).toBe(code);
        expect(file.committedRows(tag)).toBe(1);
      });

      it("manual: a transaction left open is rolled back and the 200 becomes a 5xx", async () => {
        const tag = newTag("left-open");
        const res = await request(url("manual", "/left-open", { tag }), { method: "POST" });
        expect(res.status).toBeGreaterThanOrEqual(500);
        expect(res.body).not.toBe(SAVED_BODY);
        expect(file.committedRows(tag)).toBe(0);
      });

      it("requests running at the same time each get their own transaction", async () => {
        const cases = Array.from({ length: 12 }, (_, i) => ({ tag: newTag(`mix${i}`), code: i % 2 === 0 ? 201 : 400 }));
        const results = await Promise.all(cases.map((c) => request(url("autocommit", "/status", c), { method: "POST" })));
        results.forEach((res, i) => expect(res.status).toBe(cases[i]?.code));
        for (const c of cases) expect(file.committedRows(c.tag), `${c.tag} (${c.code})`).toBe(c.code === 201 ? 1 : 0);
      });
    });

    describe("commit before the response leaves", () => {
      it("the row is visible to another connection the moment the client sees the 2xx head", async () => {
        const tag = newTag("visible");
        const res = await request(url("autocommit", "/status", { tag, code: 201 }), {
          method: "POST",
          atHead: () => file.committedRows(tag),
        });
        expect(res.status).toBe(201);
        expect(res.atHead).toBe(1);
      });

      it("a 3xx that commits (include-redirect) is committed before the client follows it", async () => {
        const tag = newTag("visible-redirect");
        const res = await request(url("redirect", "/status", { tag, code: 303 }), { method: "POST", atHead: () => file.committedRows(tag) });
        expect(res.status).toBe(303);
        expect(res.headers.location).toBe("/elsewhere");
        expect(res.atHead).toBe(1);
      });

      it("a streamed body arrives complete, after the commit", async () => {
        const tag = newTag("stream");
        const res = await request(url("autocommit", "/stream", { tag }), {
          method: "POST",
          atHead: () => file.committedRows(tag),
          atFirstChunk: () => file.committedRows(tag),
        });
        expect(res.status).toBe(200);
        expect(res.atHead).toBe(1);
        expect(res.atFirstChunk).toBe(1);
        expect(res.body).toBe(Array.from({ length: STREAM_CHUNKS }, (_, i) => streamChunk(i)).join(""));
      });
    });

    describe("failures", () => {
      it("a commit that fails turns the 200 into a 5xx and nothing is saved", async () => {
        const tag = newTag("commit-fails");
        const res = await request(url("autocommit", "/commit-fails", { tag }), { method: "POST" });
        expect(res.status).toBeGreaterThanOrEqual(500);
        expect(res.status).toBeLessThan(600);
        expect(res.body).not.toContain(SAVED_BODY);
        expect(file.committedRows(tag)).toBe(0);
      });

      it("a route that throws after writing rolls back and answers 500", async () => {
        const tag = newTag("throw");
        const res = await request(url("autocommit", "/throw", { tag }), { method: "POST" });
        expect(res.status).toBe(500);
        expect(file.committedRows(tag)).toBe(0);
      });

      it("a client that disconnects mid-request: rolled back and released, even if the route then answers 200", async () => {
        const tag = newTag("abort");
        const db = registry("autocommit");
        const req = startRequest(url("autocommit", "/park", { tag }), "POST");
        await probe.reached(tag);
        expect(db.stats().borrowed).toBe(1);
        req.destroy();
        // Adapters that settle on 'close' release here; others must notice the abort when the route returns.
        await waitFor(() => db.stats().borrowed === 0, 1_000);
        probe.release(tag);
        expect(await waitFor(() => db.stats().borrowed === 0)).toBe(true);
        // Let the route's late answer reach the adapter before looking at the file.
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(file.committedRows(tag)).toBe(0);
      });

      it("no connection within the pool's deadline: 503", async () => {
        const tag = newTag("hold");
        const held = request(url("tight", "/hold", { tag }));
        await probe.reached(tag);
        const res = await request(url("tight", "/count", { tag: "none" }));
        expect(res.status).toBe(503);
        probe.release(tag);
        expect((await held).status).toBe(200);
      });
    });

    describe("routes without a database", () => {
      it("answer normally and take no connection", async () => {
        const db = registry("autocommit");
        const before = db.stats().size;
        const res = await request(url("autocommit", "/no-db"));
        expect(res.status).toBe(200);
        expect(res.body).toBe("no database");
        expect(db.stats().size).toBe(before);
      });
    });
  });
}
