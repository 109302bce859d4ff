import { getSession, SQLScope, type CommitMode } from "@sqlscope/core";
import { postgres } from "@sqlscope/postgres";
import { postgresTestUrl } from "@sqlscope/test-support";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolate } from "../src/index.ts";
import { useRollbackPerTest } from "../src/vitest.ts";
import { call, FRAMEWORKS, startApp, type RunningApp } from "./apps.ts";

const serverUrl = postgresTestUrl();

describe.skipIf(serverUrl === undefined)("rollback-per-test on PostgreSQL", () => {
  let admin: pg.Client;
  let url: string;
  let dbName: string;
  const registries: SQLScope[] = [];
  const warnings: Error[] = [];

  function open(commit: CommitMode = "autocommit"): SQLScope {
    const db = new SQLScope({ finishTimeoutMs: 2_000, onWarning: (w) => warnings.push(w) }).add(
      postgres({ connectionString: url }),
      { key: "db", commit, pool: { max: 4 } },
    );
    registries.push(db);
    return db;
  }
  const names = (db: SQLScope) =>
    db.runInScope(async () =>
      (await getSession().select<{ name: string }>("SELECT name FROM items ORDER BY id")).map((r) => r.name),
    );
  /** What is really committed, seen from a client outside every pool. */
  const committed = async () =>
    Number((await admin.query<{ n: string }>("SELECT count(*) AS n FROM items")).rows[0]?.n);

  beforeAll(async () => {
    dbName = `testing_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    const server = new pg.Client({ connectionString: serverUrl });
    await server.connect();
    await server.query(`CREATE DATABASE "${dbName}"`);
    await server.end();
    const u = new URL(serverUrl as string);
    u.pathname = `/${dbName}`;
    url = u.toString();
    admin = new pg.Client({ connectionString: url });
    admin.on("error", () => undefined);
    await admin.connect();
    await admin.query("CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)");
  });

  afterAll(async () => {
    for (const db of registries) await db.close();
    await admin?.end();
    const server = new pg.Client({ connectionString: serverUrl });
    await server.connect();
    await server.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await server.end();
  });

  describe.each(FRAMEWORKS)("%s app over real HTTP", (framework) => {
    let db: SQLScope;
    let app: RunningApp;
    beforeAll(async () => {
      db = open();
      app = await startApp(framework, db);
    });
    afterAll(async () => {
      await app?.close();
    });

    const rollback = useRollbackPerTest(() => db);

    it("rows written by requests are seen by later requests and the test body, never by another client", async () => {
      expect((await call(app, "POST", "/items?name=a")).status).toBe(201);
      expect(await call(app, "GET", "/items")).toEqual({ status: 200, body: ["a"] });
      expect(await names(db)).toEqual(["a"]);
      expect(await committed()).toBe(0);
    });

    it("the next test starts clean", async () => {
      expect(await call(app, "GET", "/items")).toEqual({ status: 200, body: [] });
    });

    it("failed requests are undone, earlier ones stay, and a failed statement does not poison the test's transaction", async () => {
      expect((await call(app, "POST", "/items?name=kept")).status).toBe(201);
      expect((await call(app, "POST", "/fail?name=thrown")).status).toBe(500);
      expect((await call(app, "POST", "/conflict?name=refused")).status).toBe(409);
      expect((await call(app, "POST", "/items?name=kept")).status).toBe(500); // unique violation aborts its savepoint only
      expect((await call(app, "POST", "/items?name=after")).status).toBe(201);
      expect(await names(db)).toEqual(["kept", "after"]);
    });

    it("a swallowed failed statement makes the commit fail, as COMMIT does in production, and the test goes on", async () => {
      expect((await call(app, "POST", "/swallow?name=lost")).status).toBe(500);
      expect((await call(app, "POST", "/items?name=next")).status).toBe(201);
      expect(await names(db)).toEqual(["next"]);
    });

    it("parallel requests take turns and all land", async () => {
      const wanted = Array.from({ length: 6 }, (_, i) => `p${i}`);
      const replies = await Promise.all(wanted.map((name) => call(app, "POST", `/slow?name=${name}`)));
      expect(replies.map((r) => r.status)).toEqual(wanted.map(() => 201));
      expect((await names(db)).sort()).toEqual(wanted);
      expect(rollback.current.stats().maxWaiting).toBeGreaterThan(0);
    });
  });

  it("commit: manual: a failed statement outside a transaction leaves the others, as autocommit would", async () => {
    const db = open("manual");
    const isolation = await isolate(db);
    try {
      await db.runInScope(async () => {
        const s = getSession();
        await s.execute("INSERT INTO items (name) VALUES (?)", ["m1"]);
        await expect(s.execute("INSERT INTO items (name) VALUES (?)", ["m1"])).rejects.toMatchObject({
          code: "ERR_SQLSCOPE_CONSTRAINT",
        });
        await s.execute("INSERT INTO items (name) VALUES (?)", ["m2"]);
      });
      expect(await names(db)).toEqual(["m1", "m2"]);
    } finally {
      await isolation.rollback();
    }
    expect(await names(db)).toEqual([]);
  });

  it("leaves no connection borrowed and no transaction open on the server", async () => {
    for (const db of registries) expect(db.stats()).toMatchObject({ borrowed: 0, pending: 0 });
    const open = await admin.query(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()",
      [dbName],
    );
    expect(Number(open.rows[0]?.n)).toBe(0);
    expect(await committed()).toBe(0);
  });
});
