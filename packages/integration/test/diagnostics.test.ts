import diagnostics from "node:diagnostics_channel";
import { afterEach, describe, expect, it } from "vitest";
import {
  CHANNELS,
  currentScope,
  getSession,
  type AcquireMessage,
  type QueryMessage,
  type ReleaseMessage,
  type ScopeFigures,
  type ScopeView,
  type ScopeFinishMessage,
  type TransactionMessage,
} from "@sqlscope/core";

import { expressServer, signal, sleep, sqliteDb, type RealDb } from "@sqlscope/integration/real-app";

type Event = { channel: string; message: unknown };

/** Subscribes to every sqlscope channel for the duration of a test. */
function record(): { events: Event[]; of: <M>(channel: string) => M[]; stop: () => void } {
  const events: Event[] = [];
  const listeners = Object.values(CHANNELS).map((channel) => {
    const listener = (message: unknown) => events.push({ channel, message });
    diagnostics.subscribe(channel, listener);
    return () => diagnostics.unsubscribe(channel, listener);
  });
  return {
    events,
    of: <M>(channel: string) => events.filter((e) => e.channel === channel).map((e) => e.message as M),
    stop: () => listeners.forEach((off) => off()),
  };
}

describe("diagnostics_channel events and scope figures on a real SQLite file", () => {
  let real: RealDb;
  let rec: ReturnType<typeof record> | undefined;
  afterEach(async () => {
    rec?.stop();
    rec = undefined;
    await real?.close();
  });

  it("publishes start, acquire, query, commit, release and finish in order, with the scope on each", async () => {
    real = await sqliteDb("CREATE TABLE t (n INTEGER)");
    const { db } = real;
    rec = record();
    let inner: ScopeView | undefined;
    await db.runInScope(async () => {
      inner = currentScope();
      await getSession().execute("INSERT INTO t VALUES (?)", [1]);
      await getSession().select("SELECT * FROM t");
    });
    rec.stop();
    expect(rec.events.map((e) => e.channel)).toEqual([
      CHANNELS.scopeStart,
      CHANNELS.acquire,
      CHANNELS.query,
      CHANNELS.query,
      CHANNELS.commit,
      CHANNELS.release,
      CHANNELS.scopeFinish,
    ]);
    for (const e of rec.events) expect((e.message as { scope: ScopeView }).scope).toBe(inner);
    const [insert, select] = rec.of<QueryMessage>(CHANNELS.query);
    expect(insert).toMatchObject({
      key: "db",
      driver: "sqlite",
      sql: "INSERT INTO t VALUES (?)",
      rowsAffected: 1,
      rows: 0,
    });
    expect(select).toMatchObject({ sql: "SELECT * FROM t", rows: 1 });
    expect(insert?.durationMs).toBeGreaterThanOrEqual(0);
    expect(rec.of<TransactionMessage>(CHANNELS.commit)[0]).toMatchObject({ key: "db", driver: "sqlite" });
    expect(rec.of<ReleaseMessage>(CHANNELS.release)[0]).toMatchObject({ key: "db", destroyed: false });
    const finish = rec.of<ScopeFinishMessage>(CHANNELS.scopeFinish)[0];
    expect(finish).toMatchObject({ outcome: { success: true }, ok: true, error: undefined });
    expect(finish?.figures).toMatchObject({
      keys: ["db"],
      statements: 2,
      result: "commit",
      ok: true,
      status: undefined,
    });
    expect(finish?.figures.durationMs).toBeGreaterThanOrEqual(finish?.figures.holdMs ?? Infinity);
  });

  it("reports failed statements and rollbacks, and a scope that never queried costs no acquire", async () => {
    real = await sqliteDb("CREATE TABLE t (n INTEGER NOT NULL)");
    const { db } = real;
    rec = record();
    await db.runInScope(() => getSession().execute("INSERT INTO t VALUES (NULL)")).catch(() => undefined);
    await db.runInScope(() => "no database work");
    rec.stop();
    const query = rec.of<QueryMessage>(CHANNELS.query)[0];
    expect(query?.error?.name).toBe("ConstraintError");
    expect(rec.of<TransactionMessage>(CHANNELS.rollback)).toHaveLength(1);
    const finishes = rec.of<ScopeFinishMessage>(CHANNELS.scopeFinish);
    expect(finishes.map((f) => f.figures.result)).toEqual(["rollback", "none"]);
    expect(finishes[1]?.figures).toMatchObject({ keys: [], statements: 0, acquireWaitMs: 0, ok: true });
    expect(rec.of<AcquireMessage>(CHANNELS.acquire)).toHaveLength(1);
  });

  it("figures count the wait for a connection of a full pool and the time it was held", async () => {
    real = await sqliteDb("CREATE TABLE t (n INTEGER)", { pool: { max: 1 } });
    const { db } = real;
    const firstHolds = signal();
    const first = db.runInScope(async () => {
      await getSession().select("SELECT * FROM t");
      firstHolds.fire();
      await sleep(60);
      return currentScope() as ScopeView;
    });
    await firstHolds.promise;
    const second = db.runInScope(async () => {
      await getSession().select("SELECT * FROM t");
      return currentScope() as ScopeView;
    });
    const [a, b] = await Promise.all([first, second]);
    // Generous lower bounds only: the numbers are real waits, never asserted from above.
    expect(a.figures.holdMs).toBeGreaterThanOrEqual(40);
    expect(b.figures.acquireWaitMs).toBeGreaterThanOrEqual(30);
    expect(a.figures.acquireWaitMs).toBeLessThan(b.figures.acquireWaitMs);
  });

  it("through Express over HTTP: the finish event carries the status next to the result, and figures reach a logger", async () => {
    real = await sqliteDb("CREATE TABLE users (email TEXT UNIQUE)");
    const { db } = real;
    const logged: Array<{ status: number; figures: ScopeFigures }> = [];
    const server = await expressServer(db, (app) => {
      app.use((_req, res, next) => {
        const scope = currentScope() as ScopeView;
        res.on("finish", () => logged.push({ status: res.statusCode, figures: scope.figures }));
        next();
      });
      app.post("/users/:email", async (req, res) => {
        const s = getSession();
        const existing = await s.selectOneOrNull("SELECT 1 FROM users WHERE email = ?", [req.params.email]);
        await s.execute("INSERT OR IGNORE INTO users VALUES (?)", [req.params.email]);
        res.status(existing === null ? 201 : 409).end();
      });
    });
    rec = record();
    try {
      expect((await fetch(`${server.url}/users/a@x`, { method: "POST" })).status).toBe(201);
      expect((await fetch(`${server.url}/users/a@x`, { method: "POST" })).status).toBe(409);
    } finally {
      await server.close();
    }
    rec.stop();
    const finishes = rec.of<ScopeFinishMessage>(CHANNELS.scopeFinish);
    expect(finishes.map((f) => [f.outcome, f.figures.status, f.figures.result])).toEqual([
      [{ status: 201 }, 201, "commit"],
      [{ status: 409 }, 409, "rollback"],
    ]);
    expect(logged.map((l) => [l.status, l.figures.statements, l.figures.result, l.figures.keys])).toEqual([
      [201, 2, "commit", ["db"]],
      [409, 2, "rollback", ["db"]],
    ]);
    expect(logged[0]?.figures.durationMs).toBeGreaterThan(0);
  });
});
