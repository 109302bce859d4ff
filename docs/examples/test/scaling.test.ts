// scaling.md: the shutdown order on a real Express server (SQLite), the replica set-up and routes on the
// run's PostgreSQL and its streaming replica, and the PgBouncer set-up through the run's PgBouncer.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Database from "better-sqlite3";
import express from "express";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { getSession } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/express";
import { pgbouncerTestUrl, postgresTestUrl, replicaTestUrl } from "@sqlscope/test-support";
import { postRoutes, registry, shutdown, throughPgBouncer } from "../scaling.ts";
import { expressServer, sqliteDb } from "./real.ts";

describe("scaling.md: shutdown", () => {
  it("a request in flight at shutdown finishes and commits; the report says so", async () => {
    const real = await sqliteDb("CREATE TABLE hits (n INTEGER)");
    const app = express();
    app.use(sqlscope(real.db));
    app.post("/slow", async (_req, res) => {
      await getSession().execute("INSERT INTO hits VALUES (1)");
      await new Promise((resolve) => setTimeout(resolve, 200));
      res.status(201).end();
    });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const inFlight = fetch(`http://127.0.0.1:${port}/slow`, { method: "POST" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const report = await shutdown(server, real.db, 5_000);
    expect((await inFlight).status).toBe(201);
    expect(report).toMatchObject({ inFlight: 1, finished: 1, abandoned: 0, destroyed: 0 });
    expect(
      await real.db.runInScope(() => getSession().selectValue("SELECT count(*) FROM hits")).catch((e: unknown) => e),
    ).toMatchObject({
      code: "ERR_SQLSCOPE_SHUTTING_DOWN",
    });
    const file = new Database(real.file, { readonly: true });
    expect(file.prepare("SELECT count(*) AS n FROM hits").get()).toEqual({ n: 1 });
    file.close();
    await real.close();
  });
});

const primary = postgresTestUrl();
const replica = replicaTestUrl();

describe.skipIf(primary === undefined || replica === undefined)("scaling.md: a replica", () => {
  const name = `docs_scaling_${process.pid}`;
  const admin = new pg.Client({ connectionString: primary });
  const at = (server: string) => Object.assign(new URL(server), { pathname: `/${name}` }).toString();
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it("reads on the replica, and the request that wrote reads its own row", async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const schema = new pg.Client({ connectionString: at(primary as string) });
    await schema.connect();
    await schema.query("CREATE TABLE posts (id serial PRIMARY KEY, title text NOT NULL)");
    await schema.end();
    const db = registry(at(primary as string), at(replica as string));
    // The new database reaches the standby once replayed.
    for (let ready = false; !ready;) {
      ready = await db
        .runInScope(() => getSession("replica").select("SELECT 1 FROM posts"))
        .then(
          () => true,
          () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 50)),
        );
    }
    const server = await expressServer(db, postRoutes);
    try {
      const created = await fetch(`${server.url}/posts?title=hello`, { method: "POST" });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ title: "hello" });
      let listed: unknown[] = [];
      for (let i = 0; i < 100 && listed.length === 0; i++) {
        listed = (await (await fetch(`${server.url}/posts`)).json()) as unknown[];
        if (listed.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(listed).toMatchObject([{ title: "hello" }]);
    } finally {
      await server.close();
      await db.close();
    }
  });
});

const bouncer = pgbouncerTestUrl();

describe.skipIf(bouncer === undefined)("scaling.md: PgBouncer", () => {
  it("the timeout holds in each transaction through PgBouncer", async () => {
    const db = throughPgBouncer(bouncer as string);
    try {
      expect(await db.runInScope(() => getSession().selectValue("SELECT current_setting('statement_timeout')"))).toBe(
        "5s",
      );
    } finally {
      await db.close();
    }
  });
});
