import { request } from "node:http";
import { Readable } from "node:stream";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import multipart from "@fastify/multipart";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AlreadyRegisteredError,
  CommitFailedError,
  getSession,
  SessionClosedError,
  tryGetSession,
} from "@sqlscope/core";
import { sqlscope } from "../src/index.ts";
import { createTestDb, deferred, eventually, type TestDb } from "./helpers.ts";

let t: TestDb;
let app: FastifyInstance | undefined;
let handlerErrors: unknown[];

beforeEach(async () => {
  t = await createTestDb();
  handlerErrors = [];
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  await t.cleanup();
});

function newApp(errorHandler?: Parameters<FastifyInstance["setErrorHandler"]>[0]): FastifyInstance {
  // An aborted fetch leaves its socket open for seconds; tests should not wait for it on close.
  app = Fastify({ forceCloseConnections: true });
  app.setErrorHandler(
    errorHandler ??
      ((error, _request, reply) => {
        handlerErrors.push(error);
        return reply.send(error);
      }),
  );
  return app;
}

async function start(instance: FastifyInstance): Promise<string> {
  return instance.listen({ port: 0, host: "127.0.0.1" });
}

function addRoutes(instance: FastifyInstance): void {
  instance.post<{ Params: { status: string } }>("/items/:status", async (request, reply) => {
    await getSession().execute("INSERT INTO items (name) VALUES (?)", [`status-${request.params.status}`]);
    return reply.code(Number(request.params.status)).send({ ok: true });
  });
  instance.post("/throw", async () => {
    await getSession().execute("INSERT INTO items (name) VALUES ('thrown')");
    throw new Error("handler failed");
  });
  instance.post("/throw-409", async () => {
    await getSession().execute("INSERT INTO items (name) VALUES ('conflict')");
    throw Object.assign(new Error("conflict"), { statusCode: 409 });
  });
  instance.post("/orphan", async (_request, reply) => {
    await getSession().execute("INSERT INTO items (name) VALUES ('orphan')");
    // The deferred foreign key fails at COMMIT, after the handler chose 201.
    await getSession().execute("INSERT INTO children (parent_id) VALUES (999)");
    return reply.code(201).header("location", "/items/1").send({ created: true });
  });
  instance.get("/nothing", async () => "no database");
}

describe("@sqlscope/fastify", () => {
  it("commits a 2xx in onSend before the payload leaves, rolls back 4xx and 5xx", async () => {
    const instance = newApp();
    await instance.register(sqlscope, { db: t.db });
    addRoutes(instance);
    const url = await start(instance);
    for (const status of [200, 201, 400, 404, 500]) {
      const res = await fetch(`${url}/items/${status}`, { method: "POST" });
      expect(res.status).toBe(status);
      expect(await t.count(`status-${status}`)).toBe(status < 300 ? 1 : 0);
    }
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("rolls back thrown errors, whatever status the error handler picks", async () => {
    const instance = newApp((error, request, reply) => {
      handlerErrors.push(error);
      // An error handler that answers 200 must not commit the failed handler's work.
      if (request.url === "/swallowed") return reply.code(200).send({ fine: true });
      return reply.send(error);
    });
    await instance.register(sqlscope, { db: t.db });
    addRoutes(instance);
    instance.post("/swallowed", async () => {
      await getSession().execute("INSERT INTO items (name) VALUES ('swallowed')");
      throw new Error("swallowed by the error handler");
    });
    const url = await start(instance);
    expect((await fetch(`${url}/throw`, { method: "POST" })).status).toBe(500);
    expect((await fetch(`${url}/throw-409`, { method: "POST" })).status).toBe(409);
    expect((await fetch(`${url}/swallowed`, { method: "POST" })).status).toBe(200);
    expect(await t.count()).toBe(0);
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("turns a failed commit into a 500 through the app's error handler, never the handler's 201", async () => {
    const instance = newApp();
    await instance.register(sqlscope, { db: t.db });
    addRoutes(instance);
    const url = await start(instance);
    const res = await fetch(`${url}/orphan`, { method: "POST" });
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({ statusCode: 500, code: "ERR_SQLSCOPE_COMMIT_FAILED" });
    expect(handlerErrors[0]).toBeInstanceOf(CommitFailedError);
    expect(await t.count("orphan")).toBe(0);
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("keeps the failed commit a 5xx even when the error handler answers 2xx", async () => {
    const instance = newApp((_error, _request, reply) => reply.code(200).send({ fine: true }));
    await instance.register(sqlscope, { db: t.db });
    addRoutes(instance);
    const url = await start(instance);
    const res = await fetch(`${url}/orphan`, { method: "POST" });
    expect(res.status).toBe(500);
    expect(await t.count("orphan")).toBe(0);
  });

  it("answers 503 when the pool has no connection in time, and takes no connection for routes that do not query", async () => {
    await t.cleanup();
    t = await createTestDb({ max: 1, acquireTimeoutMs: 100 });
    const instance = newApp();
    await instance.register(sqlscope, { db: t.db });
    const holding = deferred();
    const release = deferred();
    instance.get("/hold", async () => {
      await getSession().select("SELECT 1");
      holding.resolve();
      await release.promise;
      return "held";
    });
    instance.get("/query", async () => getSession().select("SELECT 1"));
    addRoutes(instance);
    const url = await start(instance);
    const held = fetch(`${url}/hold`);
    await holding.promise;
    expect((await fetch(`${url}/query`)).status).toBe(503);
    // The only connection is borrowed: a route that took one would time out instead of answering.
    expect(await (await fetch(`${url}/nothing`)).text()).toBe("no database");
    release.resolve();
    expect(await (await held).text()).toBe("held");
    expect(t.db.stats().borrowed).toBe(0);
  });

  it("refuses a second registration of the same SQLScope at start-up", async () => {
    const instance = newApp();
    await instance.register(sqlscope, { db: t.db });
    await expect(instance.register(sqlscope, { db: t.db })).rejects.toBeInstanceOf(AlreadyRegisteredError);
  });

  it("registered again in an encapsulated child, a request stays in its first scope: one commit, no connection left", async () => {
    const instance = newApp();
    await instance.register(sqlscope, { db: t.db });
    instance.addHook("onRequest", async () => {
      await getSession().select("SELECT 1");
    });
    await instance.register(async (child) => {
      await child.register(sqlscope, { db: t.db });
      addRoutes(child);
    });
    const url = await start(instance);
    expect((await fetch(`${url}/items/201`, { method: "POST" })).status).toBe(201);
    expect((await fetch(`${url}/items/409`, { method: "POST" })).status).toBe(409);
    expect(handlerErrors).toEqual([]);
    expect([await t.count("status-201"), await t.count("status-409")]).toEqual([1, 0]);
    expect(t.db.stats().borrowed).toBe(0);
  });

  describe("context across body parsing", () => {
    it("hooks and the handler see the scope after JSON and multipart bodies are read", async () => {
      const instance = newApp();
      await instance.register(sqlscope, { db: t.db });
      await instance.register(multipart);
      const seenInHooks: string[] = [];
      for (const hook of ["onRequest", "preParsing", "preValidation", "preHandler"] as const) {
        instance.addHook(hook, async (request: FastifyRequest) => {
          if (request.method === "POST") seenInHooks.push(`${hook}:${tryGetSession() !== undefined}`);
        });
      }
      instance.post("/json", async (request, reply) => {
        const { name } = request.body as { name: string };
        await getSession().execute("INSERT INTO items (name) VALUES (?)", [name]);
        return reply.code(201).send();
      });
      instance.post("/upload", async (request, reply) => {
        const names: string[] = [];
        for await (const part of request.parts()) {
          // Each await here resumes from busboy's stream events.
          if (part.type === "file") names.push(`${part.filename}=${(await part.toBuffer()).toString()}`);
          else names.push(`${part.fieldname}=${String(part.value)}`);
          await getSession().execute("INSERT INTO items (name) VALUES (?)", [names.at(-1)]);
        }
        return reply.code(201).send(names);
      });
      const url = await start(instance);
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
      expect(await t.count("name=from-form")).toBe(1);
      expect(await t.count("hello.txt=hello")).toBe(1);
      expect(seenInHooks).toEqual([
        ...["onRequest", "preParsing", "preValidation", "preHandler"].map((h) => `${h}:true`),
        ...["onRequest", "preParsing", "preValidation", "preHandler"].map((h) => `${h}:true`),
      ]);
    });

    it("re-enters the scope when the body arrives in chunks after the hooks ran", async () => {
      const instance = newApp();
      await instance.register(sqlscope, { db: t.db });
      const seen: string[] = [];
      instance.addHook("preValidation", async () => {
        seen.push(`preValidation:${tryGetSession() !== undefined}`);
      });
      instance.post("/json", async (request, reply) => {
        seen.push(`handler:${tryGetSession() !== undefined}`);
        await getSession().execute("INSERT INTO items (name) VALUES (?)", [(request.body as { name: string }).name]);
        return reply.code(201).send();
      });
      const url = new URL(await start(instance));
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({
          host: url.hostname,
          port: url.port,
          path: "/json",
          method: "POST",
          headers: { "content-type": "application/json" },
        });
        req.on("response", (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.write('{"name":');
        // The rest arrives later, from the socket's own events: the parser resumes outside the scope.
        setTimeout(() => req.end('"chunked"}'), 50);
      });
      expect(status).toBe(201);
      expect(seen).toEqual(["preValidation:true", "handler:true"]);
      expect(await t.count("chunked")).toBe(1);
    });

    for (const order of ["before", "after"] as const) {
      it(`works with @fastify/multipart (attachFieldsToBody) registered ${order} the plugin`, async () => {
        const instance = newApp();
        if (order === "before") await instance.register(multipart, { attachFieldsToBody: "keyValues" });
        await instance.register(sqlscope, { db: t.db });
        if (order === "after") await instance.register(multipart, { attachFieldsToBody: "keyValues" });
        instance.post("/upload", async (request, reply) => {
          const body = request.body as { name: string; doc: Buffer };
          await getSession().execute("INSERT INTO items (name) VALUES (?)", [`${body.name}:${body.doc.toString()}`]);
          return reply.code(201).send();
        });
        const url = await start(instance);
        const form = new FormData();
        form.set("name", order);
        form.set("doc", new Blob(["data"]), "d.txt");
        expect((await fetch(`${url}/upload`, { method: "POST", body: form })).status).toBe(201);
        expect(await t.count(`${order}:data`)).toBe(1);
      });
    }
  });

  describe("stream payloads", () => {
    it("settles in onSend; a stream that queries later gets SessionClosedError", async () => {
      const instance = newApp();
      await instance.register(sqlscope, { db: t.db });
      const streamErrors: unknown[] = [];
      instance.get("/", async (_request, reply) => {
        const session = getSession();
        await session.execute("INSERT INTO items (name) VALUES ('before-stream')");
        const body = Readable.from(
          (async function* () {
            yield "first chunk\n";
            try {
              yield JSON.stringify(await session.select("SELECT * FROM items"));
            } catch (error) {
              streamErrors.push(error);
              throw error;
            }
          })(),
        );
        return reply.type("text/plain").send(body);
      });
      const url = await start(instance);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow();
      await eventually(() => streamErrors.length > 0);
      expect(streamErrors[0]).toBeInstanceOf(SessionClosedError);
      expect(await t.count("before-stream")).toBe(1);
      expect(t.db.stats().borrowed).toBe(0);
    });

    it("streams rows read in the handler, and later work in a scope of its own", async () => {
      const instance = newApp();
      await instance.register(sqlscope, { db: t.db });
      instance.get("/", async (_request, reply) => {
        await getSession().execute("INSERT INTO items (name) VALUES ('a'), ('b')");
        const rows = await getSession().select<{ name: string }>("SELECT name FROM items ORDER BY id");
        const db = t.db;
        const body = Readable.from(
          (async function* () {
            for (const row of rows) yield `${row.name}\n`;
            yield `${await db.runInScope(() => db.getSession().selectValue<number>("SELECT count(*) FROM items"))}\n`;
          })(),
        );
        return reply.type("text/plain").send(body);
      });
      const url = await start(instance);
      expect(await (await fetch(url)).text()).toBe("a\nb\n2\n");
      expect(t.db.stats().borrowed).toBe(0);
    });
  });

  it("rolls back and returns the connection when the client aborts mid-handler", async () => {
    const instance = newApp();
    await instance.register(sqlscope, { db: t.db });
    const entered = deferred();
    const finishHandler = deferred();
    const late: unknown[] = [];
    instance.post("/", async (_request, reply) => {
      await getSession().execute("INSERT INTO items (name) VALUES ('abandoned')");
      entered.resolve();
      await finishHandler.promise;
      try {
        await getSession().execute("INSERT INTO items (name) VALUES ('after-abort')");
      } catch (error) {
        late.push(error);
      }
      return reply.code(201).send();
    });
    const url = await start(instance);
    const controller = new AbortController();
    const request = fetch(url, { method: "POST", signal: controller.signal });
    await entered.promise;
    controller.abort();
    await expect(request).rejects.toThrow();
    // Released while the handler is still waiting: onRequestAbort rolled back.
    await eventually(() => t.db.stats().borrowed === 0);
    expect(await t.count("abandoned")).toBe(0);
    finishHandler.resolve();
    await eventually(() => late.length > 0);
    expect(late[0]).toBeInstanceOf(SessionClosedError);
    expect(await t.count()).toBe(0);
  });

  it("settles hijacked replies when the response finishes", async () => {
    const instance = newApp();
    await instance.register(sqlscope, { db: t.db });
    instance.get("/", async (_request, reply) => {
      await getSession().execute("INSERT INTO items (name) VALUES ('hijacked')");
      reply.hijack();
      reply.raw.writeHead(200, { "content-type": "text/plain" });
      reply.raw.end("raw");
    });
    const url = await start(instance);
    expect(await (await fetch(url)).text()).toBe("raw");
    await eventually(() => t.db.stats().borrowed === 0);
    expect(await t.count("hijacked")).toBe(1);
  });
});
