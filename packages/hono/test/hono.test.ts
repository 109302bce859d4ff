import type { Server } from "node:http";
import { createAdaptorServer, type HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { stream, streamSSE } from "hono/streaming";
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import {
  AlreadyRegisteredError,
  CommitFailedError,
  getSession,
  SessionClosedError,
  type Session,
} from "@sqlscope/core";
import { sqlscope, type SQLScopeEnv } from "../src/index.ts";
import { createTestDb, deferred, eventually, listen, type TestDb } from "./helpers.ts";

let t: TestDb;
let stop: (() => Promise<void>) | undefined;
let appErrors: Error[];

beforeEach(async () => {
  t = await createTestDb();
  appErrors = [];
});
afterEach(async () => {
  await stop?.();
  stop = undefined;
  await t.cleanup();
});

/** An app with the error handler most Hono apps have: HTTPExceptions keep their status, the rest 500. */
function newApp(): Hono<SQLScopeEnv> {
  const app = new Hono<SQLScopeEnv>();
  app.onError((error, c) => {
    appErrors.push(error);
    if (error instanceof HTTPException) return error.getResponse();
    return c.text("Internal Server Error", 500);
  });
  return app;
}

async function serve(app: Hono<SQLScopeEnv>): Promise<string> {
  const server = await listen(createAdaptorServer({ fetch: app.fetch }) as Server);
  stop = server.close;
  return server.url;
}

function addRoutes(app: Hono<SQLScopeEnv>): void {
  app.post("/items/:status", async (c) => {
    await c.var.session.execute("INSERT INTO items (name) VALUES (?)", [`status-${c.req.param("status")}`]);
    return c.json({ ok: true }, Number(c.req.param("status")) as 200);
  });
  app.post("/throw", async () => {
    await getSession().execute("INSERT INTO items (name) VALUES ('thrown')");
    throw new Error("handler failed");
  });
  app.post("/throw-409", async () => {
    await getSession().execute("INSERT INTO items (name) VALUES ('conflict')");
    throw new HTTPException(409, { message: "conflict" });
  });
  app.post("/orphan", async (c) => {
    await c.get("session").execute("INSERT INTO items (name) VALUES ('orphan')");
    // The deferred foreign key fails at COMMIT, after the handler chose 201.
    await getSession().execute("INSERT INTO children (parent_id) VALUES (999)");
    c.header("Location", "/items/1");
    return c.json({ created: true }, 201);
  });
  app.get("/nothing", (c) => c.text("no database"));
}

describe("@sqlscope/hono", () => {
  it("types c.var.session and c.get('session') as the request's Session", () => {
    const app = new Hono().use(sqlscope(t.db));
    app.get("/", (c) => {
      expectTypeOf(c.var.session).toEqualTypeOf<Session>();
      expectTypeOf(c.get("session")).toEqualTypeOf<Session>();
      return c.text("ok");
    });
  });

  it("commits a 2xx before the response leaves, rolls back 4xx and 5xx; c.var.session is getSession()", async () => {
    const app = newApp();
    app.use(sqlscope(t.db));
    app.get("/same", (c) => c.text(String(c.var.session === getSession())));
    addRoutes(app);
    const url = await serve(app);
    for (const status of [200, 201, 400, 404, 500]) {
      const res = await fetch(`${url}/items/${status}`, { method: "POST" });
      expect(res.status).toBe(status);
      expect(await t.count(`status-${status}`)).toBe(status < 300 ? 1 : 0);
    }
    expect(await (await fetch(`${url}/same`)).text()).toBe("true");
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("rolls back a thrown error (c.error) and an HTTPException", async () => {
    const app = newApp();
    app.use(sqlscope(t.db));
    addRoutes(app);
    const url = await serve(app);
    expect((await fetch(`${url}/throw`, { method: "POST" })).status).toBe(500);
    expect((await fetch(`${url}/throw-409`, { method: "POST" })).status).toBe(409);
    expect(await t.count("thrown")).toBe(0);
    expect(await t.count("conflict")).toBe(0);
    expect(appErrors.map((e) => e.message)).toEqual(["handler failed", "conflict"]);
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("rolls back an error thrown by a middleware after it", async () => {
    const app = newApp();
    app.use(sqlscope(t.db));
    app.use(async (_c, next) => {
      await next();
      throw new Error("late middleware failed");
    });
    app.post("/", async (c) => {
      await getSession().execute("INSERT INTO items (name) VALUES ('late')");
      return c.text("ok", 201);
    });
    const url = await serve(app);
    expect((await fetch(url, { method: "POST" })).status).toBe(500);
    expect(await t.count("late")).toBe(0);
  });

  it("replaces the response with a clean 500 when the commit fails", async () => {
    const app = newApp();
    const seen: unknown[] = [];
    app.use(async (c, next) => {
      await next();
      seen.push(c.error);
    });
    app.use(sqlscope(t.db));
    addRoutes(app);
    const url = await serve(app);
    const res = await fetch(`${url}/orphan`, { method: "POST" });
    expect(res.status).toBe(500);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toBe("Internal Server Error: the request's changes were not saved.\n");
    expect(seen[0]).toBeInstanceOf(CommitFailedError);
    expect(await t.count("orphan")).toBe(0);
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("lets onCommitError shape the 500, and never lets it send less than a 5xx", async () => {
    for (const status of [503, 200] as const) {
      const app = newApp();
      app.use(sqlscope(t.db, { onCommitError: (error, c) => c.json({ error: error.code }, status) }));
      addRoutes(app);
      const url = await serve(app);
      const res = await fetch(`${url}/orphan`, { method: "POST" });
      expect(res.status).toBe(status === 200 ? 500 : 503);
      expect(await res.json()).toEqual({ error: "ERR_SQLSCOPE_COMMIT_FAILED" });
      await stop?.();
      stop = undefined;
    }
  });

  it("answers 503 when the pool has no connection in time, and takes no connection for routes that do not query", async () => {
    await t.cleanup();
    t = await createTestDb({ max: 1, acquireTimeoutMs: 100 });
    const app = newApp();
    app.use(sqlscope(t.db));
    const holding = deferred();
    const release = deferred();
    app.get("/hold", async (c) => {
      await getSession().select("SELECT 1");
      holding.resolve();
      await release.promise;
      return c.text("held");
    });
    app.get("/query", async (c) => c.json(await getSession().select("SELECT 1")));
    addRoutes(app);
    const url = await serve(app);
    const held = fetch(`${url}/hold`);
    await holding.promise;
    expect((await fetch(`${url}/query`)).status).toBe(503);
    // The only connection is borrowed: a route that took one would time out instead of answering.
    expect(await (await fetch(`${url}/nothing`)).text()).toBe("no database");
    release.resolve();
    expect(await (await held).text()).toBe("held");
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("mounted twice (or in a sub-app), the second mount joins the request's scope: one commit, no connection left", async () => {
    const app = newApp();
    app.use(sqlscope(t.db));
    app.use(async (_c, next) => {
      await getSession().select("SELECT 1");
      await next();
    });
    app.use(sqlscope(t.db));
    const sub = new Hono<SQLScopeEnv>();
    sub.use(sqlscope(t.db));
    addRoutes(sub);
    app.route("/", sub);
    const url = await serve(app);
    expect((await fetch(`${url}/items/201`, { method: "POST" })).status).toBe(201);
    expect((await fetch(`${url}/items/409`, { method: "POST" })).status).toBe(409);
    expect(appErrors.filter((e) => e instanceof AlreadyRegisteredError)).toEqual([]);
    expect([await t.count("status-201"), await t.count("status-409")]).toEqual([1, 0]);
    expect(t.db.stats().borrowed).toBe(0);
  });

  describe("body parsing", () => {
    for (const order of ["before", "after"] as const) {
      it(`sees the scope when the body (JSON, multipart) is parsed ${order} the middleware`, async () => {
        const app = newApp();
        if (order === "before") {
          // Parsing in an earlier middleware caches the body on the request for the handler.
          app.use(async (c, next) => {
            if (c.req.header("content-type")?.startsWith("multipart/") === true) await c.req.parseBody();
            else await c.req.json();
            await next();
          });
        }
        app.use(sqlscope(t.db));
        app.post("/json", async (c) => {
          const { name } = await c.req.json<{ name: string }>();
          await getSession().execute("INSERT INTO items (name) VALUES (?)", [name]);
          return c.body(null, 201);
        });
        app.post("/upload", async (c) => {
          const body = await c.req.parseBody();
          const file = body["doc"];
          await getSession().execute("INSERT INTO items (name) VALUES (?)", [
            `${String(body["name"])}:${file instanceof File ? file.name : "none"}`,
          ]);
          return c.body(null, 201);
        });
        const url = await serve(app);
        const json = await fetch(`${url}/json`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "from-json" }),
        });
        expect(json.status).toBe(201);
        const form = new FormData();
        form.set("name", "from-form");
        form.set("doc", new Blob(["hello"]), "hello.txt");
        expect((await fetch(`${url}/upload`, { method: "POST", body: form })).status).toBe(201);
        expect(await t.count("from-json")).toBe(1);
        expect(await t.count("from-form:hello.txt")).toBe(1);
      });
    }
  });

  describe("streaming", () => {
    it("stream(): settles when the response is returned; later session use throws SessionClosedError", async () => {
      const app = newApp();
      app.use(sqlscope(t.db));
      const streamErrors: Error[] = [];
      app.get("/", async (c) => {
        await c.var.session.execute("INSERT INTO items (name) VALUES ('before-stream')");
        return stream(
          c,
          async (s) => {
            await s.write("first chunk\n");
            await s.write(JSON.stringify(await c.var.session.select("SELECT * FROM items")));
          },
          async (error, s) => {
            streamErrors.push(error);
            await s.write(`error: ${error.name}`);
          },
        );
      });
      const url = await serve(app);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("first chunk\nerror: SessionClosedError");
      expect(streamErrors[0]).toBeInstanceOf(SessionClosedError);
      expect(await t.count("before-stream")).toBe(1);
      expect(t.db.stats().borrowed).toBe(0);
    });

    it("streamSSE(): work after the first event runs in a scope of its own", async () => {
      const app = newApp();
      app.use(sqlscope(t.db));
      app.get("/", async (c) => {
        await getSession().execute("INSERT INTO items (name) VALUES ('a'), ('b')");
        const rows = await getSession().select<{ name: string }>("SELECT name FROM items ORDER BY id");
        const db = t.db;
        return streamSSE(c, async (s) => {
          for (const row of rows) await s.writeSSE({ data: row.name });
          const count = await db.runInScope(() => db.getSession().selectValue<number>("SELECT count(*) FROM items"));
          await s.writeSSE({ event: "count", data: String(count) });
          await s.writeSSE({ event: "closed", data: String(c.var.session.isClosed) });
        });
      });
      const url = await serve(app);
      const res = await fetch(url);
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      expect(await res.text()).toBe("data: a\n\ndata: b\n\nevent: count\ndata: 2\n\nevent: closed\ndata: true\n\n");
      expect(t.db.stats().borrowed).toBe(0);
    });
  });

  it("rolls back when the client hung up before the response", async () => {
    const app = newApp();
    app.use(sqlscope(t.db));
    const entered = deferred();
    const aborted = deferred();
    app.post("/", async (c) => {
      (c.env as HttpBindings).outgoing.once("close", () => aborted.resolve());
      await getSession().execute("INSERT INTO items (name) VALUES ('abandoned')");
      entered.resolve();
      await aborted.promise;
      return c.body(null, 201);
    });
    const url = await serve(app);
    const controller = new AbortController();
    const request = fetch(url, { method: "POST", signal: controller.signal });
    await entered.promise;
    controller.abort();
    await expect(request).rejects.toThrow();
    await eventually(() => t.db.stats().borrowed === 0);
    expect(await t.count("abandoned")).toBe(0);
  });
});
