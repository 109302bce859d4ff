import { afterEach, describe, expect, it } from "vitest";
import { CommitFailedError, getSession, QueryError, type SQLScope } from "../src/index.ts";
import { type FinishReport } from "../src/outcome.ts";
import { FakeDbError } from "./support/fake-driver.ts";
import { closeAll, makeDb } from "./helpers.ts";

// A driver with synchronous fast paths (SQLite's shape): a request on a warm connection runs its
// statements, commit and release without waiting, and a fast path that declines falls back to the
// async method with nothing done twice.

afterEach(closeAll);

function syncDb(commit: "autocommit" | "manual" = "autocommit") {
  return makeDb({ db: { commit, fake: { synchronous: true, respond: () => [{ id: 1 }] } } });
}

/** One scope that runs a statement, so the pool holds a warm connection afterwards. */
async function warm(db: SQLScope): Promise<void> {
  const scope = db.createScope();
  await scope.run(() => getSession().execute("SELECT 1"));
  await scope.finish({ status: 200 });
}

describe("synchronous fast paths", () => {
  it("a warm request runs BEGIN, the statement and COMMIT now, and finishNow() reports without a promise", async () => {
    const { db, driver, releases } = syncDb();
    await warm(db);
    const scope = db.createScope();
    const pending = scope.run(() => getSession().selectOne("SELECT id FROM t WHERE id = ?", [1]));
    // Ran before anything was awaited: the fast path took no promise but the one returned.
    expect(driver().connections[0]?.ops().slice(-2)).toEqual(["begin", "query"]);
    expect(await pending).toEqual({ id: 1 });
    const report = scope.finishNow({ status: 200 });
    expect(report).not.toBeInstanceOf(Promise);
    expect(report as FinishReport).toMatchObject({ ok: true, sessions: [{ key: "db", action: "commit" }] });
    expect(driver().connections[0]?.ops().slice(-3)).toEqual(["begin", "query", "commit"]);
    expect(releases()).toBe(2);
    expect(db.stats().borrowed).toBe(0);
    // finish() after finishNow() answers the same report, once.
    expect(await scope.finish({ status: 500 })).toBe(report);
  });

  it("a statement that fails on the fast path rejects (never throws) with the mapped error", async () => {
    const { db, driver } = syncDb();
    await warm(db);
    driver().failOn("query", { how: "reject", times: 1 });
    const scope = db.createScope();
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = scope.run(() => getSession().execute("UPDATE t SET x = 1"));
    }).not.toThrow();
    await expect(promise).rejects.toBeInstanceOf(QueryError);
    const report = await scope.finish({ status: 500 });
    expect(report.sessions).toEqual([{ key: "db", action: "rollback" }]);
    expect(driver().openTransactions()).toEqual([]);
  });

  it("a statement the driver cannot run now goes to query() and runs exactly once", async () => {
    const { db, driver } = syncDb();
    await warm(db);
    driver().failOn("query", { how: "delay", ms: 5, times: 1 });
    const scope = db.createScope();
    await expect(scope.run(() => getSession().selectOne("SELECT id FROM t"))).resolves.toEqual({ id: 1 });
    await scope.finish({ status: 200 });
    const conn = driver().connections[0];
    expect(conn?.ops().filter((op) => op === "query")).toHaveLength(2); // warm-up + this one
    expect(scope.figures.statements).toBe(1);
  });

  it("a commit that must wait makes finishNow() return the promise, and commits once", async () => {
    const { db, driver } = syncDb();
    await warm(db);
    driver().failOn("commit", { how: "delay", ms: 5, times: 1 });
    const scope = db.createScope();
    await scope.run(() => getSession().execute("UPDATE t SET x = 1"));
    const pending = scope.finishNow({ status: 200 });
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toMatchObject({ ok: true, sessions: [{ action: "commit" }] });
    expect(
      driver()
        .connections[0]?.ops()
        .filter((op) => op === "commit"),
    ).toHaveLength(2);
    expect(db.stats().borrowed).toBe(0);
  });

  it("a commit that fails now is a CommitFailedError, the connection destroyed", async () => {
    const { db, driver } = syncDb();
    await warm(db);
    driver().failOn("commit", { how: "reject", error: new FakeDbError("deferred constraint"), times: 1 });
    const scope = db.createScope();
    await scope.run(() => getSession().execute("UPDATE t SET x = 1"));
    // Destroying the connection is the one part that waits, so the report comes as a promise here.
    const report = await scope.finishNow({ status: 201 });
    expect(report.ok).toBe(false);
    expect(report.error).toBeInstanceOf(CommitFailedError);
    await expect.poll(() => driver().connections[0]?.closed).toBe(true);
    expect(db.stats().borrowed).toBe(0);
  });

  it("manual mode takes the connection now and leaves BEGIN to the caller", async () => {
    const { db, driver } = syncDb("manual");
    await warm(db);
    const scope = db.createScope();
    await scope.run(() => getSession().execute("INSERT INTO t VALUES (1)"));
    expect(scope.finishNow({ status: 200 })).toMatchObject({ ok: true, sessions: [{ action: "none" }] });
    expect(
      driver()
        .connections[0]?.ops()
        .filter((op) => op === "begin"),
    ).toEqual([]);
    expect(scope.durable).toBe(true);
  });
});
