// The "Write intent" samples of koa.md, hono.md, fastify.md and scripts.md, run as shown on a real
// SQLite file: concurrent read-await-write work all commits, and none of it is lost.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterEach, describe, expect, it } from "vitest";
import { getSession } from "@sqlscope/core";
import { visitsApp as fastifyVisits } from "../adapters/intent-fastify.ts";
import { visitsApp as honoVisits } from "../adapters/intent-hono.ts";
import { visitsApp as koaVisits } from "../adapters/intent-koa.ts";
import { sendDueInvoices } from "../scripts-intent.ts";
import { listen, sqliteDb, type RealDb } from "./real.ts";

const CONCURRENT = 20;
let real: RealDb | undefined;
afterEach(async () => {
  await real?.close();
  real = undefined;
});

async function visitAll(base: string): Promise<number[]> {
  const responses = await Promise.all(Array.from({ length: CONCURRENT }, () => fetch(`${base}/articles/hello`)));
  return responses.map((r) => r.status);
}

async function articles(): Promise<RealDb> {
  real = await sqliteDb(
    "CREATE TABLE articles (slug TEXT PRIMARY KEY, visits INTEGER NOT NULL); INSERT INTO articles VALUES ('hello', 0);",
  );
  return real;
}

const visits = (db: RealDb) =>
  db.db.runInScope(() => getSession().selectValue<number>("SELECT visits FROM articles WHERE slug = 'hello'"));

describe("a GET route with write intent: 20 concurrent visits, each reads, awaits, then writes", () => {
  it("koa.md", async () => {
    const db = await articles();
    const server = await listen(createServer(koaVisits(db.db).callback()));
    try {
      expect((await visitAll(server.url)).filter((s) => s !== 200)).toEqual([]);
      expect(await visits(db)).toBe(CONCURRENT);
    } finally {
      await server.close();
    }
  });

  it("hono.md", async () => {
    const db = await articles();
    const server = serve({ fetch: honoVisits(db.db).fetch, port: 0, hostname: "127.0.0.1" }) as Server;
    if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
    try {
      expect(
        (await visitAll(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)).filter((s) => s !== 200),
      ).toEqual([]);
      expect(await visits(db)).toBe(CONCURRENT);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("fastify.md", async () => {
    const db = await articles();
    const app = await fastifyVisits(db.db);
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      expect((await visitAll(url)).filter((s) => s !== 200)).toEqual([]);
      expect(await visits(db)).toBe(CONCURRENT);
    } finally {
      await app.close();
    }
  });
});

it('scripts.md: the invoice job with intent: "write" commits beside concurrent writers that read first', async () => {
  const db = (real = await sqliteDb(
    "CREATE TABLE invoices (id INTEGER PRIMARY KEY, due TEXT NOT NULL, sent INTEGER NOT NULL DEFAULT 0); " +
      "INSERT INTO invoices (due) VALUES ('2026-01-01'), ('2026-02-01'), ('2027-01-01');",
  ));
  // Other writers that read, await, then write (with write intent too, as a POST would have).
  const others = Array.from({ length: 5 }, () =>
    db.db.runInScope(
      async () => {
        const n = await getSession().selectValue<number>("SELECT count(*) FROM invoices");
        await new Promise((resolve) => setTimeout(resolve, 3));
        await getSession().execute("INSERT INTO invoices (due) VALUES (?)", [`2030-01-0${n % 9}`]);
      },
      { intent: "write" },
    ),
  );
  await Promise.all([...others, sendDueInvoices(db.db, "2026-06-01")]);
  expect(
    await db.db.runInScope(() => getSession().select("SELECT id FROM invoices WHERE sent = 1 ORDER BY id")),
  ).toEqual([{ id: 1 }, { id: 2 }]);
});
