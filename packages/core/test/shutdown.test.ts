// db.close() as a graceful shutdown, on the fake driver: new scopes refused, scopes in flight allowed
// to finish within the deadline, what is left rolled back and destroyed, and a report of all of it.
// The same order under real load and a real SIGTERM: packages/reliability/test/shutdown.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { CommitFailedError, getSession, ShutdownError } from "../src/index.ts";
import { closeAll, makeDb, rejection, sleep } from "./helpers.ts";

afterEach(closeAll);

describe("db.close()", () => {
  it("with nothing in flight: drains and reports zeros", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    await db.runInScope(() => getSession().execute("SELECT 1"));
    const report = await db.close();
    expect(report).toMatchObject({ inFlight: 0, finished: 0, abandoned: 0, destroyed: 0, refused: 0 });
    expect(driver().connections.every((c) => c.closed)).toBe(true);
    expect(driver().closedDriver).toBe(true);
    // Idempotent: the same report again.
    expect(await db.close()).toBe(report);
  });

  it("lets a scope in flight finish and commit, even one that takes its first connection during the grace period", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    const working = db.createScope();
    const late = db.createScope();
    const insert = working.run(() => getSession().execute("INSERT INTO t VALUES (1)"));
    await insert;
    const closing = db.close({ timeoutMs: 2_000 });
    // Not refused: `late` was in flight before close() and queries only now.
    await late.run(() => getSession().execute("INSERT INTO t VALUES (2)"));
    await sleep(20);
    expect((await working.finish({ status: 201 })).ok).toBe(true);
    expect((await late.finish({ status: 201 })).ok).toBe(true);
    const report = await closing;
    expect(report).toMatchObject({ inFlight: 2, finished: 2, abandoned: 0, destroyed: 0 });
    expect(report.durationMs).toBeLessThan(1_500);
    const ops = driver().connections.map((c) => c.ops());
    expect(ops.every((o) => o.includes("commit") && o.at(-1) === "close")).toBe(true);
  });

  it("refuses new scopes with ShutdownError (a 503) while closing, but work inside a scope in flight may nest", async () => {
    const { db } = makeDb({ db: { commit: "autocommit" } });
    const working = db.createScope();
    const closing = db.close({ timeoutMs: 2_000 });
    const refused = (() => {
      try {
        db.createScope();
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(ShutdownError);
    expect(refused).toMatchObject({ code: "ERR_SQLSCOPE_SHUTTING_DOWN", status: 503, retryable: true });
    expect((refused as Error).message).toMatch(/server\.close\(\) first/);
    await expect(db.runInScope(() => 1)).rejects.toBeInstanceOf(ShutdownError);
    await working.run(async () => {
      expect(await db.runInScope(() => "joined")).toBe("joined");
      expect(
        await db.runInScope(
          () =>
            getSession()
              .execute("SELECT 1")
              .then(() => "isolated"),
          { isolated: true },
        ),
      ).toBe("isolated");
    });
    await working.finish({ status: 200 });
    expect(await closing).toMatchObject({ inFlight: 1, abandoned: 0, refused: 2 });
  });

  it("at the deadline, destroys what is still borrowed: the server rolls it back and the late commit fails (no 2xx)", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    const stuck = db.createScope();
    await stuck.run(() => getSession().execute("INSERT INTO t VALUES (1)"));
    const started = Date.now();
    const report = await db.close({ timeoutMs: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(report).toMatchObject({ inFlight: 1, finished: 0, abandoned: 1, destroyed: 1 });
    const conn = driver().connections[0];
    expect(conn?.closed).toBe(true);
    expect(conn?.ops()).not.toContain("commit");
    // The handler answers later: its scope cannot commit any more, so the adapter must not send the 2xx.
    const late = await stuck.finish({ status: 201 });
    expect(late.ok).toBe(false);
    expect(late.error).toBeInstanceOf(CommitFailedError);
  });

  it("a statement still running at the deadline is cut off with its connection", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    driver().failOn("query", { how: "hang", match: "pg_sleep" });
    const stuck = db.createScope();
    const running = stuck.run(() => getSession().execute("SELECT pg_sleep(60)"));
    await sleep(10);
    const report = await db.close({ timeoutMs: 50 });
    expect(report).toMatchObject({ abandoned: 1, destroyed: 1 });
    driver().releaseHangs();
    // The fake closed connection fails whatever runs on it next; the scope ends as a failure.
    await running.catch(() => undefined);
    expect((await stuck.finish({ status: 200 })).ok).toBe(false);
    expect(driver().openTransactions()).toEqual([]);
  });

  it("a scope still waiting for a connection at the deadline gets ShutdownError, and close() does not wait for it", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit", pool: { max: 1, acquireTimeoutMs: 5_000 } } });
    const holder = db.createScope();
    await holder.run(() => getSession().execute("INSERT INTO t VALUES (1)"));
    const waiter = db.createScope();
    const waiting = waiter.run(() => getSession().execute("INSERT INTO t VALUES (2)"));
    await sleep(10);
    const started = Date.now();
    const report = await Promise.race([db.close({ timeoutMs: 50 }), sleep(2_000).then(() => "close() hung" as const)]);
    expect(report).toMatchObject({ abandoned: 2, destroyed: 1 });
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(waiting).rejects.toBeInstanceOf(ShutdownError);
    expect((await waiter.finish({ status: 201 })).ok).toBe(true); // nothing ran, nothing to commit
    expect((await holder.finish({ status: 201 })).ok).toBe(false);
    expect(driver().openTransactions()).toEqual([]);
  });

  it("a bad deadline is a ConfigError", async () => {
    const { db } = makeDb();
    const error = await rejection(db.close({ timeoutMs: -1 }));
    expect(error).toMatchObject({ code: "ERR_SQLSCOPE_CONFIG" });
    expect(await db.close()).toMatchObject({ inFlight: 0 });
  });
});
