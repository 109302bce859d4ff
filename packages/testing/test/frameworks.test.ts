import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolate } from "../src/index.ts";
import { useRollbackPerTest } from "../src/vitest.ts";
import { call, FRAMEWORKS, startApp, type RunningApp } from "./apps.ts";
import { createSqliteDb, type SqliteTestDb } from "./sqlite-db.ts";

describe.each(FRAMEWORKS)("%s app over real HTTP on a SQLite file", (framework) => {
  let t: SqliteTestDb;
  let app: RunningApp;

  beforeAll(async () => {
    t = await createSqliteDb();
    app = await startApp(framework, t.db);
  });
  afterAll(async () => {
    await app?.close();
    await t?.cleanup();
  });

  describe("useRollbackPerTest", () => {
    const rollback = useRollbackPerTest(() => t.db);

    it("rows written by requests are seen by later requests and by the test body, and never committed", async () => {
      expect((await call(app, "POST", "/items?name=a")).status).toBe(201);
      expect((await call(app, "POST", "/items?name=b")).status).toBe(201);
      expect(await call(app, "GET", "/items")).toEqual({ status: 200, body: ["a", "b"] });
      expect(await t.names()).toEqual(["a", "b"]);
      expect(await t.committedCount()).toBe(0);
      expect(rollback.current.stats().turns).toBe(4);
    });

    it("the next test starts from the committed state again", async () => {
      expect(await call(app, "GET", "/items")).toEqual({ status: 200, body: [] });
      expect(await t.names()).toEqual([]);
    });

    it("a failing request's writes are undone while earlier requests' writes stay", async () => {
      expect((await call(app, "POST", "/items?name=kept")).status).toBe(201);
      expect((await call(app, "POST", "/fail?name=thrown")).status).toBe(500);
      expect((await call(app, "POST", "/conflict?name=refused")).status).toBe(409);
      expect((await call(app, "POST", "/items?name=kept")).status).toBe(500); // unique violation
      expect((await call(app, "POST", "/items?name=after")).status).toBe(201);
      expect(await call(app, "GET", "/items")).toEqual({ status: 200, body: ["kept", "after"] });
    });

    it("a failed statement the handler swallows does not undo the request's other writes (as SQLite does in production)", async () => {
      expect((await call(app, "POST", "/swallow?name=once")).status).toBe(201);
      expect(await t.names()).toEqual(["once"]);
    });

    it("parallel requests take turns on the test's connection and all land", async () => {
      const names = Array.from({ length: 8 }, (_, i) => `p${i}`);
      const replies = await Promise.all(names.map((name) => call(app, "POST", `/slow?name=${name}`)));
      expect(replies.map((r) => r.status)).toEqual(names.map(() => 201));
      expect(((await call(app, "GET", "/items")).body as string[]).sort()).toEqual(names);
      expect(rollback.current.stats().maxWaiting).toBeGreaterThan(0);
      expect(rollback.current.stats().held).toBe(false);
    });
  });

  it("isolate()/rollback() by hand: gone after, no connection borrowed, nothing committed; then the app commits for real again", async () => {
    const isolation = await isolate(t.db);
    expect((await call(app, "POST", "/items?name=temp")).status).toBe(201);
    expect(await t.names()).toEqual(["temp"]);
    await isolation.rollback();
    expect(await t.names()).toEqual([]);
    expect(t.db.stats()).toMatchObject({ borrowed: 0, pending: 0 });
    expect(await t.committedCount()).toBe(0);

    expect((await call(app, "POST", "/items?name=real")).status).toBe(201);
    expect(await t.committedCount()).toBe(1);
    expect(t.warnings).toEqual([]);
  });
});
