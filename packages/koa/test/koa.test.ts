import { createServer } from "node:http";
import { Readable } from "node:stream";
import Koa from "koa";
import Router from "@koa/router";
import { koaBody } from "koa-body";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlreadyRegisteredError, CommitFailedError, getSession, SessionClosedError } from "@sqlscope/core";
import { sqlscope } from "../src/index.ts";
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

async function serve(app: Koa): Promise<string> {
  app.silent = true;
  app.on("error", (error: Error) => appErrors.push(error));
  const server = await listen(createServer(app.callback()));
  stop = server.close;
  return server.url;
}

function routes(): Router {
  const router = new Router();
  router.post("/items/:status", async (ctx) => {
    await getSession().execute("INSERT INTO items (name) VALUES (?)", [`status-${ctx.params.status}`]);
    ctx.status = Number(ctx.params.status);
    ctx.body = { ok: true };
  });
  router.post("/throw", async () => {
    await getSession().execute("INSERT INTO items (name) VALUES ('thrown')");
    throw new Error("handler failed");
  });
  router.post("/throw-409", async (ctx) => {
    await getSession().execute("INSERT INTO items (name) VALUES ('conflict')");
    ctx.throw(409, "conflict");
  });
  router.post("/orphan", async (ctx) => {
    await getSession().execute("INSERT INTO items (name) VALUES ('orphan')");
    // The deferred foreign key fails at COMMIT, after the handler chose 201.
    await getSession().execute("INSERT INTO children (parent_id) VALUES (999)");
    ctx.status = 201;
    ctx.body = { created: true };
  });
  router.get("/nothing", (ctx) => {
    ctx.body = "no database";
  });
  return router;
}

describe("@sqlscope/koa", () => {
  it("commits a 2xx before Koa writes it, rolls back 4xx and 5xx", async () => {
    const app = new Koa();
    app.use(sqlscope(t.db));
    app.use(routes().routes());
    const url = await serve(app);
    for (const status of [200, 201, 400, 404, 500]) {
      const res = await fetch(`${url}/items/${status}`, { method: "POST" });
      expect(res.status).toBe(status);
      // The response is out, so the commit already happened: no waiting needed.
      expect(await t.count(`status-${status}`)).toBe(status < 300 ? 1 : 0);
    }
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("rolls back a thrown error and lets it reach Koa's error handling", async () => {
    const app = new Koa();
    app.use(sqlscope(t.db));
    app.use(routes().routes());
    const url = await serve(app);
    const res = await fetch(`${url}/throw`, { method: "POST" });
    expect(res.status).toBe(500);
    expect(await t.count("thrown")).toBe(0);
    expect(appErrors.map((e) => e.message)).toEqual(["handler failed"]);
    const conflict = await fetch(`${url}/throw-409`, { method: "POST" });
    expect(conflict.status).toBe(409);
    expect(await t.count("conflict")).toBe(0);
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("turns a failed commit into a 500 that an outer error handler sees, never the handler's 201", async () => {
    const app = new Koa();
    const seen: unknown[] = [];
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        seen.push(error);
        throw error;
      }
    });
    app.use(sqlscope(t.db));
    app.use(routes().routes());
    const url = await serve(app);
    const res = await fetch(`${url}/orphan`, { method: "POST" });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal Server Error");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(CommitFailedError);
    expect(await t.count("orphan")).toBe(0);
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("takes no connection for a route that never queries", async () => {
    await t.cleanup();
    t = await createTestDb({ max: 1, acquireTimeoutMs: 100 });
    const app = new Koa();
    app.use(sqlscope(t.db));
    const holding = deferred();
    const release = deferred();
    app.use(async (ctx, next) => {
      if (ctx.path !== "/hold") return next();
      await getSession().select("SELECT 1");
      holding.resolve();
      await release.promise;
      ctx.body = "held";
    });
    app.use(routes().routes());
    const url = await serve(app);
    const held = fetch(`${url}/hold`);
    await holding.promise;
    // The only connection is borrowed: a route that took one would time out instead of answering.
    const res = await fetch(`${url}/nothing`);
    expect(await res.text()).toBe("no database");
    release.resolve();
    expect(await (await held).text()).toBe("held");
  });

  it("answers 503 when the pool has no connection in time", async () => {
    await t.cleanup();
    t = await createTestDb({ max: 1, acquireTimeoutMs: 100 });
    const app = new Koa();
    app.use(sqlscope(t.db));
    const release = deferred();
    const holding = deferred();
    app.use(async (ctx) => {
      if (ctx.path === "/hold") {
        await getSession().select("SELECT 1");
        holding.resolve();
        await release.promise;
      } else {
        await getSession().select("SELECT 1");
      }
      ctx.body = "ok";
    });
    const url = await serve(app);
    const held = fetch(`${url}/hold`);
    await holding.promise;
    const res = await fetch(`${url}/other`);
    expect(res.status).toBe(503);
    release.resolve();
    expect((await held).status).toBe(200);
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("mounted twice, the second mount joins the request's scope: one commit, no connection left", async () => {
    const app = new Koa();
    app.use(sqlscope(t.db));
    app.use(async (_ctx, next) => {
      await getSession().select("SELECT 1"); // the outer scope holds a connection when the request meets the second mount
      await next();
    });
    app.use(sqlscope(t.db));
    app.use(routes().routes());
    const url = await serve(app);
    expect((await fetch(`${url}/items/201`, { method: "POST" })).status).toBe(201);
    expect((await fetch(`${url}/items/409`, { method: "POST" })).status).toBe(409);
    expect(appErrors).toEqual([]);
    expect([await t.count("status-201"), await t.count("status-409")]).toEqual([1, 0]);
    expect(t.db.stats().borrowed).toBe(0);
  });

  describe("body parsers", () => {
    for (const order of ["before", "after"] as const) {
      it(`sees the scope with koa-body (JSON and multipart) mounted ${order} the middleware`, async () => {
        const app = new Koa();
        const parser = koaBody({ multipart: true });
        if (order === "before") app.use(parser);
        app.use(sqlscope(t.db));
        if (order === "after") app.use(parser);
        const router = new Router();
        router.post("/json", async (ctx) => {
          const { name } = ctx.request.body as { name: string };
          await getSession().execute("INSERT INTO items (name) VALUES (?)", [name]);
          ctx.status = 201;
        });
        router.post("/upload", async (ctx) => {
          const file = ctx.request.files?.["doc"];
          const fields = ctx.request.body as { name: string };
          await getSession().execute("INSERT INTO items (name) VALUES (?)", [
            `${fields.name}:${Array.isArray(file) ? "many" : file?.originalFilename}`,
          ]);
          ctx.status = 201;
        });
        app.use(router.routes());
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
        const upload = await fetch(`${url}/upload`, { method: "POST", body: form });
        expect(upload.status).toBe(201);
        expect(await t.count("from-json")).toBe(1);
        expect(await t.count("from-form:hello.txt")).toBe(1);
        expect(t.db.stats().borrowed).toBe(0);
      });
    }
  });

  describe("stream bodies", () => {
    it("settles when the status is decided; the stream cannot use the session afterwards", async () => {
      const app = new Koa();
      app.use(sqlscope(t.db));
      app.use(async (ctx) => {
        const session = getSession();
        await session.execute("INSERT INTO items (name) VALUES ('before-stream')");
        ctx.body = Readable.from(
          (async function* () {
            yield "first chunk\n";
            // By now Koa is writing the body: the scope committed and its connection is back.
            yield JSON.stringify(await session.select("SELECT * FROM items"));
          })(),
        );
      });
      const url = await serve(app);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow();
      await eventually(() => appErrors.length > 0);
      expect(appErrors[0]).toBeInstanceOf(SessionClosedError);
      expect(await t.count("before-stream")).toBe(1);
      expect(t.db.stats().borrowed).toBe(0);
    });

    it("streams rows read before the handler returned, or from a scope of the stream's own", async () => {
      const app = new Koa();
      app.use(sqlscope(t.db));
      app.use(async (ctx) => {
        await getSession().execute("INSERT INTO items (name) VALUES ('a'), ('b')");
        const rows = await getSession().select<{ name: string }>("SELECT name FROM items ORDER BY id");
        const db = t.db;
        ctx.body = Readable.from(
          (async function* () {
            for (const row of rows) yield `${row.name}\n`;
            // Work after the response started needs a scope of its own.
            yield `${await db.runInScope(() => db.getSession().selectValue<number>("SELECT count(*) FROM items"))}\n`;
          })(),
        );
      });
      const url = await serve(app);
      const res = await fetch(url);
      expect(await res.text()).toBe("a\nb\n2\n");
      expect(appErrors).toEqual([]);
      expect(t.db.stats().borrowed).toBe(0);
    });
  });

  it("rolls back when the client hung up before the response", async () => {
    const app = new Koa();
    app.use(sqlscope(t.db));
    const entered = deferred();
    const aborted = deferred();
    app.use(async (ctx) => {
      ctx.req.socket.once("close", () => aborted.resolve());
      await getSession().execute("INSERT INTO items (name) VALUES ('abandoned')");
      entered.resolve();
      await aborted.promise;
      ctx.status = 201;
    });
    const url = await serve(app);
    const controller = new AbortController();
    const request = fetch(url, { method: "POST", signal: controller.signal });
    await entered.promise;
    controller.abort();
    await expect(request).rejects.toThrow();
    await eventually(async () => t.db.stats().borrowed === 0);
    expect(await t.count("abandoned")).toBe(0);
  });
});
