import { fileURLToPath, pathToFileURL } from "node:url";
import type { SQLScope } from "@sqlscope/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { request, startRequest, waitFor } from "./client.ts";
import { SuiteDatabase, type SuiteConfig } from "./database.ts";
import { copyPackage, inFreshProcess, type PackageCopy } from "./isolated.ts";
import { exchangeAll, prototypeSnapshot, type PlainServerModule } from "./plain.ts";
import { Probe } from "./probe.ts";
import { SAVED_BODY, SECRET, STREAM_CHUNKS, streamChunk, suiteRoutes } from "./routes.ts";
import type { AdapterHarness, RouteSpec, StartedServer, StartOptions } from "./types.ts";
import { writeIntentTests } from "./write-intent.ts";

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
    let routes: RouteSpec[];
    const running = new Map<ConfigName, { db: SQLScope; server: StartedServer }>();
    // Servers and registries the later describe blocks start for themselves.
    const extraDbs: SQLScope[] = [];
    const extraServers: StartedServer[] = [];
    const startExtra = async (db: SQLScope, options: StartOptions): Promise<StartedServer> => {
      const server = await harness.start(db, routes, options);
      extraServers.push(server);
      return server;
    };
    const extraDb = (config: SuiteConfig): SQLScope => {
      const db = file.registry(config);
      extraDbs.push(db);
      return db;
    };

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
      routes = suiteRoutes(probe);
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
      for (const db of extraDbs)
        expect(await waitFor(() => db.stats().borrowed === 0), "every connection is back in the pool").toBe(true);
      file.assertNoOpenTransaction();
    });

    afterAll(async () => {
      probe.releaseAll();
      for (const server of extraServers) await server.close();
      for (const db of extraDbs) await db.close();
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
      ])("autocommit: status %i -> %i committed row(s)", async (code, rows) => {
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
      ])("autocommit-include-redirect: status %i -> %i committed row(s)", async (code, rows) => {
        const tag = newTag("redirect");
        const res = await request(url("redirect", "/status", { tag, code }), { method: "POST" });
        expect(res.status).toBe(code);
        expect(file.committedRows(tag)).toBe(rows);
      });

      it.each([200, 500])(
        "manual: statements outside begin() run in the driver's autocommit (status %i)",
        async (code) => {
          const tag = newTag("manual");
          const res = await request(url("manual", "/status", { tag, code }), { method: "POST" });
          expect(res.status).toBe(code);
          expect(file.committedRows(tag)).toBe(1);
        },
      );

      it("manual: a transaction left open is rolled back and the 200 becomes a 5xx", async () => {
        const tag = newTag("left-open");
        const res = await request(url("manual", "/left-open", { tag }), { method: "POST" });
        expect(res.status).toBeGreaterThanOrEqual(500);
        expect(res.body).not.toBe(SAVED_BODY);
        expect(file.committedRows(tag)).toBe(0);
      });

      it("requests running at the same time each get their own transaction", async () => {
        const cases = Array.from({ length: 12 }, (_, i) => ({ tag: newTag(`mix${i}`), code: i % 2 === 0 ? 201 : 400 }));
        const results = await Promise.all(
          cases.map((c) => request(url("autocommit", "/status", c), { method: "POST" })),
        );
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
        const res = await request(url("redirect", "/status", { tag, code: 303 }), {
          method: "POST",
          atHead: () => file.committedRows(tag),
        });
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
      it("a commit that fails turns the 200 into a 5xx and nothing is saved; the body says nothing of the database", async () => {
        const tag = newTag("commit-fails");
        const res = await request(url("autocommit", "/commit-fails", { tag }), { method: "POST" });
        expect(res.status).toBeGreaterThanOrEqual(500);
        expect(res.status).toBeLessThan(600);
        expect(res.body).not.toContain(SAVED_BODY);
        expect(res.body).not.toMatch(/FOREIGN KEY|constraint|SQLITE/i);
        expect(file.committedRows(tag)).toBe(0);
      });

      it("a route that throws after writing rolls back and answers 500", async () => {
        const tag = newTag("throw");
        const res = await request(url("autocommit", "/throw", { tag }), { method: "POST" });
        expect(res.status).toBe(500);
        expect(file.committedRows(tag)).toBe(0);
      });

      it("a query that fails answers 500 with a body that shows nothing of the SQL", async () => {
        const res = await request(url("autocommit", "/query-fails"), { method: "POST" });
        expect(res.status).toBe(500);
        expect(res.body).not.toContain(SECRET);
        expect(res.body).not.toMatch(/no such table|SQLITE/i);
      });

      it("a client that disconnects mid-request: rolled back and released before the handler returns, which then gets SessionClosedError", async () => {
        const tag = newTag("abort");
        const db = registry("autocommit");
        const req = startRequest(url("autocommit", "/park-then-write", { tag }), "POST");
        await probe.reached(tag);
        expect(db.stats().borrowed).toBe(1);
        req.destroy();
        // The handler is still parked: the adapter must notice the client left on its own.
        expect(
          await waitFor(() => db.stats().borrowed === 0, 2_000),
          "connection released while the handler still waits",
        ).toBe(true);
        file.assertNoOpenTransaction();
        // SQLite's in-process write gate is free too: another writer gets through at once.
        const other = newTag("after-abort");
        expect(
          (await request(url("autocommit", "/status", { tag: other, code: 201 }), { method: "POST" })).status,
        ).toBe(201);
        expect(file.committedRows(other)).toBe(1);
        probe.release(tag);
        expect(await waitFor(() => probe.notesOf(tag).length > 0)).toBe(true);
        expect(probe.notesOf(tag)).toEqual(["ERR_SQLSCOPE_SESSION_CLOSED"]);
        expect(await waitFor(() => db.stats().borrowed === 0)).toBe(true);
        expect([file.committedRows(tag), file.committedRows(`${tag}-late`)]).toEqual([0, 0]);
      });

      it("no connection within the pool's deadline: 503, with a body that shows nothing of the pool", async () => {
        const tag = newTag("hold");
        const held = request(url("tight", "/hold", { tag }));
        await probe.reached(tag);
        const res = await request(url("tight", "/count", { tag: "none" }));
        expect(res.status).toBe(503);
        expect(res.body).not.toMatch(/No connection|borrowed|acquire|pool\.max/i);
        // The body agrees with the status: the client may retry, nothing failed for good.
        expect(res.body).not.toMatch(/Internal Server Error/i);
        probe.release(tag);
        expect((await held).status).toBe(200);
      });
    });

    writeIntentTests({
      probe,
      file: () => file,
      url: (path, params) => url("autocommit", path, params),
      startExtra,
      extraDb: () => extraDb({ commit: "autocommit" }),
      newTag,
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

    describe("a second mount of the same SQLScope (sub-app, router, plugin) joins the request's scope", () => {
      let db: SQLScope;
      let server: StartedServer;
      beforeAll(async () => {
        db = extraDb({ commit: "autocommit", slowCommitMs: 25 });
        server = await startExtra(db, { nested: db });
      });
      const at = (path: string, params: Record<string, string | number> = {}) =>
        `${server.url}${path}?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;

      it("commits on 201, visible when the head arrives, and rolls back on 409", async () => {
        const [made, conflict] = [newTag("nested-201"), newTag("nested-409")];
        const a = await request(at("/status", { tag: made, code: 201 }), {
          method: "POST",
          atHead: () => file.committedRows(made),
        });
        const b = await request(at("/status", { tag: conflict, code: 409 }), { method: "POST" });
        expect([a.status, a.atHead, b.status, file.committedRows(conflict)]).toEqual([201, 1, 409, 0]);
      });

      it("a failed commit is still a 5xx, a throw still rolls back", async () => {
        const [failed, thrown] = [newTag("nested-commit-fails"), newTag("nested-throw")];
        const a = await request(at("/commit-fails", { tag: failed }), { method: "POST" });
        const b = await request(at("/throw", { tag: thrown }), { method: "POST" });
        expect(a.status).toBeGreaterThanOrEqual(500);
        expect(b.status).toBe(500);
        expect([file.committedRows(failed), file.committedRows(thrown)]).toEqual([0, 0]);
      });

      it("a different SQLScope mounted inside keeps a scope of its own", async () => {
        const inner = extraDb({ commit: "autocommit" });
        const mixed = await startExtra(registry("autocommit"), { nested: inner });
        const tag = newTag("nested-other");
        const res = await request(`${mixed.url}/status?tag=${tag}&code=201`, {
          method: "POST",
          atHead: () => file.committedRows(tag),
        });
        expect([res.status, res.atHead]).toEqual([201, 1]);
        expect(inner.stats().size).toBeGreaterThan(0); // the route's getSession() was the inner SQLScope's
      });
    });

    describe("whatever the app's error handling answers after a failed commit, the client gets a 5xx", () => {
      let server: StartedServer;
      const warnings: Error[] = [];
      beforeAll(async () => {
        server = await startExtra(extraDb({ ...CONFIGS.autocommit, onWarning: (w) => warnings.push(w) }), {
          lenientErrors: true,
        });
      });

      it("a 200 from onCommitError, the error handler or an outer middleware still reaches the client as a 5xx, and the failure reaches onWarning", async () => {
        const tag = newTag("lenient-commit-fails");
        const res = await request(`${server.url}/commit-fails?tag=${tag}`, { method: "POST" });
        expect(res.status).toBeGreaterThanOrEqual(500);
        expect(res.status).toBeLessThan(600);
        expect(file.committedRows(tag)).toBe(0);
        // The app's own responder shaped the answer; the failed commit is still reported.
        expect(
          await waitFor(() => warnings.some((w) => (w as { code?: string }).code === "ERR_SQLSCOPE_COMMIT_FAILED")),
        ).toBe(true);
      });

      it("a success that committed is not disturbed", async () => {
        const tag = newTag("lenient-201");
        const res = await request(`${server.url}/status?tag=${tag}&code=201`, { method: "POST" });
        expect([res.status, file.committedRows(tag)]).toEqual([201, 1]);
      });
    });

    describe("the adapter's error mapper, sqlscopeErrors(db)", () => {
      let mapped: StartedServer;
      let tight: { db: SQLScope; server: StartedServer };
      const warnings: Error[] = [];
      beforeAll(async () => {
        const onWarning = (w: Error) => warnings.push(w);
        mapped = await startExtra(extraDb({ commit: "autocommit", onWarning }), { errorMapper: true });
        const db = extraDb({ ...CONFIGS.tight, onWarning });
        tight = { db, server: await startExtra(db, { errorMapper: true }) };
      });
      const at = (path: string, tag: string) => `${mapped.url}${path}?tag=${tag}`;
      const codes = () => warnings.map((w) => (w as { code?: string }).code);

      it.each([
        ["GET", "/not-found", 404, /^404 Not Found/],
        ["POST", "/duplicate", 409, /^409 Conflict/],
        ["POST", "/invalid", 422, /^422 Unprocessable Entity/],
        ["POST", "/bad-parameters", 500, /^Internal Server Error/],
        ["POST", "/query-fails", 500, /^Internal Server Error/],
      ] as const)(
        "%s %s: %i in plain text that names nothing of the database; the request's writes roll back",
        async (method, path, status, body) => {
          const tag = newTag(`mapped${path.replace("/", "-")}`);
          warnings.length = 0;
          const res = await request(at(path, tag), { method });
          expect(res.status).toBe(status);
          expect(res.headers["content-type"]).toMatch(/^text\/plain/);
          expect(res.body).toMatch(body);
          expect(res.body).not.toContain(SECRET);
          expect(res.body).not.toMatch(/UNIQUE|CHECK|constraint|handles|items|SQLITE|placeholder|parameter/i);
          expect(file.committedRows(tag)).toBe(0);
          // 5xx are the app's or the database's trouble: reported; 4xx are the client's: not.
          expect(codes().filter((c) => c?.startsWith("ERR_SQLSCOPE_")).length > 0).toBe(status >= 500);
        },
      );

      it("a pool timeout: 503 with Retry-After", async () => {
        const tag = newTag("mapped-hold");
        const held = request(`${tight.server.url}/hold?tag=${tag}`);
        await probe.reached(tag);
        const res = await request(`${tight.server.url}/count?tag=none`);
        expect([res.status, res.headers["retry-after"]]).toEqual([503, "1"]);
        expect(res.body).toMatch(/^Service Unavailable/);
        probe.release(tag);
        expect((await held).status).toBe(200);
      });

      it("a failed commit is still a 5xx that names nothing of the database", async () => {
        const tag = newTag("mapped-commit-fails");
        const res = await request(at("/commit-fails", tag), { method: "POST" });
        expect(res.status).toBeGreaterThanOrEqual(500);
        expect(res.body).not.toMatch(/FOREIGN KEY|constraint|SQLITE/i);
        expect(file.committedRows(tag)).toBe(0);
      });

      it("other errors are answered as without the mapper; successes are untouched", async () => {
        const [thrown, plain] = [newTag("mapped-throw"), newTag("plain-throw")];
        const withMapper = await request(at("/throw", thrown), { method: "POST" });
        const without = await request(url("autocommit", "/throw", { tag: plain }), { method: "POST" });
        expect([withMapper.status, withMapper.body]).toEqual([without.status, without.body]);
        const made = newTag("mapped-201");
        const res = await request(`${mapped.url}/status?tag=${made}&code=201`, { method: "POST" });
        expect([res.status, res.body, file.committedRows(made)]).toEqual([201, SAVED_BODY, 1]);
      });
    });

    describe("a second copy of the adapter package loaded in the same process", () => {
      let copy: PackageCopy;
      let second: unknown;
      let servers: { first: StartedServer; second: StartedServer; nested: StartedServer };
      beforeAll(async () => {
        copy = copyPackage(harness.package.dir, harness.package.alsoCopy);
        second = await import(copy.entry);
        const db = registry("autocommit");
        servers = {
          first: running.get("autocommit")?.server as StartedServer,
          second: await startExtra(db, { adapter: second }),
          // The copy mounted inside the first: still one scope per request.
          nested: await startExtra(db, { nested: db, adapter: second }),
        };
      });
      afterAll(() => copy.remove());

      it("is a copy of its own: other module instances", () => {
        expect(second).not.toBe(undefined);
        expect(copy.entry).not.toBe(pathToFileURL(fileURLToPath(new URL("src/index.ts", harness.package.dir))).href);
      });

      it.each(["first", "second", "nested"] as const)(
        "%s: commits before the head, rolls back a 4xx, a failed commit is a 5xx",
        async (which) => {
          const base = servers[which].url;
          const [made, refused, failed] = [newTag(`${which}-201`), newTag(`${which}-400`), newTag(`${which}-fails`)];
          const [a, b, c] = await Promise.all([
            request(`${base}/status?tag=${made}&code=201`, { method: "POST", atHead: () => file.committedRows(made) }),
            request(`${base}/status?tag=${refused}&code=400`, { method: "POST" }),
            request(`${base}/commit-fails?tag=${failed}`, { method: "POST" }),
          ]);
          expect([a.status, a.atHead, a.body]).toEqual([201, 1, SAVED_BODY]);
          expect([b.status, file.committedRows(refused)]).toEqual([400, 0]);
          expect(c.status).toBeGreaterThanOrEqual(500);
          expect(file.committedRows(failed)).toBe(0);
        },
      );
    });

    // Last, so that this process has served sqlscope's requests (held, replayed, replaced) by now.
    describe("servers that do not use sqlscope", () => {
      it("importing the adapter leaves node:http's prototypes exactly as Node made them", async () => {
        const entry = pathToFileURL(fileURLToPath(new URL("src/index.ts", harness.package.dir))).href;
        const { before, after } = await inFreshProcess<{ before: unknown; after: unknown }>("import", entry);
        expect(after).toEqual(before);
      });

      it("answer byte for byte as in a process that never loaded sqlscope; node:http's prototypes are untouched here too", async () => {
        const fresh = await inFreshProcess<{ answers: string[]; prototypes: unknown }>(
          "plain",
          harness.plainServer.href,
        );
        const plain = (await import(harness.plainServer.href)) as PlainServerModule;
        const server = await plain.start();
        try {
          expect(await exchangeAll(server.url)).toEqual(fresh.answers);
        } finally {
          await server.close();
        }
        expect(prototypeSnapshot()).toEqual(fresh.prototypes);
      });
    });
  });
}
