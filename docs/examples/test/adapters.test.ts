// adapters/koa.md, hono.md, fastify.md: each page's app, as shown, over real HTTP on one real "app.db"
// (in a temp directory), plus the caveat samples (streams, onCommitError) on files of their own.
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import Koa from "koa";
import { serve } from "@hono/node-server";
import { afterAll, describe, expect, it } from "vitest";
import { getSession } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/koa";
import { commitErrorApp, streamApp } from "../adapters/hono-extras.ts";
import { streamEvents } from "../adapters/koa-stream.ts";
import { inTempCwd, listen, post, sqliteDb } from "./real.ts";

inTempCwd();
process.env.PORT = "0"; // hono.ts serves on PORT
const { db } = await import("../adapters/db.ts");
const koa = await listen(createServer((await import("../adapters/koa.ts")).app.callback()));
const hono = await import("../adapters/hono.ts");
const fastify = (await import("../adapters/fastify.ts")).app;
await fastify.listen({ port: 0, host: "127.0.0.1" });
const honoUrl = `http://127.0.0.1:${(hono.server.address() as AddressInfo).port}`;
const fastifyUrl = `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`;

afterAll(async () => {
  await koa.close();
  await new Promise((resolve) => hono.server.close(resolve));
  await fastify.close();
  await db.close();
});

const json = (url: string) => fetch(url).then(async (r) => [r.status, await r.json()] as const);

const text = (url: string) => fetch(url).then(async (r) => [r.status, await r.text()] as const);

it("koa.md: before the table exists sqlscopeErrors answers a plain 500; then the users list, and 404 for a user that is not there", async () => {
  expect(await text(koa.url)).toEqual([500, "Internal Server Error: the request's changes were not saved.\n"]);
  await db.runInScope(() =>
    getSession().execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT)"),
  );
  expect(await json(koa.url)).toEqual([200, []]);
  expect(await text(`${koa.url}/users/1`)).toEqual([404, "404 Not Found\n"]);
});

it("fastify.md: a 201 is committed, a duplicate rolls back; hono.md reads what Fastify committed", async () => {
  const created = await post(`${fastifyUrl}/users`, { email: "a@x", name: "A" });
  expect(created.status).toBe(201);
  expect((await post(`${fastifyUrl}/users`, { email: "a@x", name: "again" })).status).toBe(409);
  const users = [{ id: 1, email: "a@x", name: "A" }];
  expect(await json(`${fastifyUrl}/users`)).toEqual([200, users]);
  expect(await json(`${honoUrl}/users`)).toEqual([200, users]);
  expect(await json(`${honoUrl}/users/1`)).toEqual([200, users[0]]);
  expect(await text(`${honoUrl}/users/2`)).toEqual([404, "404 Not Found\n"]);
  expect(await json(koa.url)).toEqual([200, users]);
});

describe("the caveat samples", () => {
  it("koa.md stream: rows read in the scope, the count from a scope of its own", async () => {
    const real = await sqliteDb("CREATE TABLE events (id INTEGER PRIMARY KEY); INSERT INTO events VALUES (1), (2);");
    const app = new Koa();
    app.use(sqlscope(real.db));
    app.use(streamEvents(real.db));
    const server = await listen(createServer(app.callback()));
    try {
      expect(await fetch(server.url).then((r) => r.text())).toBe('{"id":1}\n{"id":2}\n2');
    } finally {
      await server.close();
      await real.close();
    }
  });

  const honoServer = async (fetchFn: (request: Request) => Response | Promise<Response>) => {
    const server = serve({ fetch: fetchFn, port: 0, hostname: "127.0.0.1" }) as Server;
    if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(resolve)),
    };
  };

  it("hono.md stream: server-sent events from rows read before stream(), then the count", async () => {
    const real = await sqliteDb("CREATE TABLE events (id INTEGER PRIMARY KEY); INSERT INTO events VALUES (7);");
    const server = await honoServer(streamApp(real.db).fetch);
    try {
      const text = await fetch(`${server.url}/events`).then((r) => r.text());
      expect(text).toBe('data: {"id":7}\n\nevent: count\ndata: 1\n\n');
    } finally {
      await server.close();
      await real.close();
    }
  });

  it("hono.md onCommitError: a failed commit answers 503 with the code, and nothing was saved", async () => {
    const real = await sqliteDb(
      "CREATE TABLE parents (id INTEGER PRIMARY KEY); CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);",
    );
    const server = await honoServer(commitErrorApp(real.db).fetch);
    try {
      const res = await fetch(`${server.url}/orphans`, { method: "POST" });
      expect([res.status, await res.json()]).toEqual([503, { error: "ERR_SQLSCOPE_COMMIT_FAILED" }]);
      expect(await real.db.runInScope(() => getSession().selectValue("SELECT count(*) FROM children"))).toBe(0);
    } finally {
      await server.close();
      await real.close();
    }
  });
});
