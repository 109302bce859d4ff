import { afterEach, describe, expect, it } from "vitest";
import { CommitFailedError, getSession, SessionClosedError, TransactionError } from "../src/index.ts";
import { type FinishReport } from "../src/outcome.ts";
import { type Scope } from "../src/scope.ts";
import { FakeDbError } from "./support/fake-driver.ts";
import { closeAll, makeDb, rejection, sleep, until } from "./helpers.ts";

afterEach(closeAll);

/** Runs fn in a fresh scope of db, then finishes it with outcome. */
async function inScope(scope: Scope, fn: () => Promise<void>): Promise<void> {
  await scope.run(fn);
}

describe("Scope: laziness", () => {
  it("takes no connection and sends no BEGIN until the first statement", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    const scope = db.createScope();
    await inScope(scope, async () => {
      const s = getSession();
      expect(getSession()).toBe(s);
      expect(getSession("db")).toBe(s);
      expect(db.getSession()).toBe(s);
      await sleep(1);
      expect(driver().connectAttempts).toEqual([]);
    });
    expect(scope.needsSettling).toBe(false);
    const report = await scope.finish({ status: 200 });
    expect(report).toMatchObject({ ok: true, sessions: [] });
    expect(driver().connectAttempts).toEqual([]);
    expect(db.stats()).toMatchObject({ size: 0, borrowed: 0 });
  });

  it("gives each scope its own session object", async () => {
    const { db } = makeDb();
    const a = db.createScope();
    const b = db.createScope();
    const sa = a.run(() => getSession());
    const sb = b.run(() => getSession());
    expect(sa).not.toBe(sb);
    expect(a.run(() => getSession())).toBe(sa);
    await a.finish({ status: 200 });
    await b.finish({ status: 200 });
  });

  it("autocommit begins once, on the first statement, and commits on 2xx", async () => {
    const { db, driver, releases } = makeDb({ db: { commit: "autocommit" } });
    const scope = db.createScope();
    await inScope(scope, async () => {
      await getSession().execute("INSERT INTO t VALUES (?)", [1]);
      await getSession().select("SELECT * FROM t");
      await getSession().execute("UPDATE t SET a = :a", { a: 2 });
    });
    const report = await scope.finish({ status: 201 });
    expect(report).toMatchObject({ ok: true, sessions: [{ key: "db", action: "commit" }] });
    expect(driver().connections[0]?.ops()).toEqual(["begin", "query", "query", "query", "commit"]);
    expect(driver().connections[0]?.calls[1]).toMatchObject({ sql: "INSERT INTO t VALUES (?)", params: [1] });
    expect(releases()).toBe(1);
    expect(db.stats()).toMatchObject({ borrowed: 0, idle: 1 });
  });

  it("autocommit rolls back on 4xx/5xx and commits 3xx only with include-redirect", async () => {
    const { db, driver } = makeDb({ a: { commit: "autocommit" }, r: { commit: "autocommit-include-redirect" } });
    for (const [status, a, r] of [
      [302, "rollback", "commit"],
      [404, "rollback", "rollback"],
      [500, "rollback", "rollback"],
    ] as const) {
      const scope = db.createScope();
      await inScope(scope, async () => {
        await getSession("a").execute("SELECT 1");
        await getSession("r").execute("SELECT 1");
      });
      const report = await scope.finish({ status });
      expect(report.sessions.map((s) => s.action)).toEqual([a, r]);
    }
    expect(driver("a").openTransactions()).toEqual([]);
    expect(driver("r").openTransactions()).toEqual([]);
  });

  it("no statement ever runs before the scope's BEGIN has completed", async () => {
    const seen: boolean[] = [];
    const { db, driver } = makeDb({
      db: { commit: "autocommit", fake: { respond: (_sql, _p, conn) => (seen.push(conn.transactionOpen), []) } },
    });
    driver().failOn("begin", { how: "delay", ms: 60, times: 1 });
    const scope = db.createScope();
    await inScope(scope, async () => {
      const s = getSession();
      const first = s.execute("SELECT 1");
      await until(() => driver().connections[0]?.ops().includes("begin") === true);
      await s.execute("SELECT 2"); // BEGIN was sent but has not finished
      await first;
    });
    await scope.finish({ status: 200 });
    expect(seen).toEqual([true, true]);
  });
});

describe("Scope: finish", () => {
  it("settles sessions in creation order", async () => {
    const { db, driver } = makeDb({
      a: { commit: "autocommit" },
      b: { commit: "autocommit" },
      c: { commit: "autocommit" },
    });
    const scope = db.createScope();
    await inScope(scope, async () => {
      const c = getSession("c");
      const a = getSession("a");
      const b = getSession("b");
      await b.execute("SELECT 1");
      await a.execute("SELECT 1");
      await c.execute("SELECT 1");
    });
    const report = await scope.finish({ status: 200 });
    expect(report.sessions.map((s) => s.key)).toEqual(["c", "a", "b"]);
    const commitSeq = (key: string) =>
      driver(key).connections[0]?.calls.find((call) => call.op === "commit")?.seq ?? -1;
    expect(commitSeq("c")).toBeLessThan(commitSeq("a"));
    expect(commitSeq("a")).toBeLessThan(commitSeq("b"));
  });

  it("after a failed commit the rest roll back, ok is false with CommitFailedError, every connection returned once", async () => {
    const { db, driver, releases } = makeDb({
      a: { commit: "autocommit" },
      b: { commit: "autocommit" },
      c: { commit: "autocommit" },
    });
    const conflict = new FakeDbError("could not serialize access", { kind: "serialization" });
    driver("b").failOn("commit", { how: "reject", error: conflict });
    const scope = db.createScope();
    await inScope(scope, async () => {
      for (const key of ["a", "b", "c"]) await getSession(key).execute("INSERT INTO t VALUES (1)");
    });
    const report = await scope.finish({ status: 200 });
    expect(report.ok).toBe(false);
    expect(report.error).toBeInstanceOf(CommitFailedError);
    expect(report.error?.retryable).toBe(true); // a serialization failure: re-running may succeed
    expect(report.sessions.map((s) => [s.key, s.action])).toEqual([
      ["a", "commit"],
      ["b", "commit"],
      ["c", "rollback"],
    ]);
    expect(driver("c").connections[0]?.ops()).toEqual(["begin", "query", "rollback"]);
    for (const key of ["a", "b", "c"]) expect(releases(key)).toBe(1);
    // b's state after a failed COMMIT is unknown: destroyed, not returned.
    expect(driver("b").connections[0]?.closed).toBe(true);
    expect(driver("a").connections[0]?.closed).toBe(false);
    expect(driver("c").connections[0]?.closed).toBe(false);
    for (const key of ["a", "b", "c"]) expect(db.stats(key).borrowed).toBe(0);
  });

  it("destroys the connection when the final rollback fails, and reports it as a warning", async () => {
    const { db, driver, warnings, releases } = makeDb({ db: { commit: "autocommit" } });
    driver().failOn("rollback", { how: "reject" });
    const scope = db.createScope();
    await inScope(scope, async () => {
      await getSession().execute("SELECT 1");
    });
    const report = await scope.finish({ status: 500 });
    expect(report.ok).toBe(true); // the client gets its 500 anyway
    expect(report.sessions[0]?.error).toBeDefined();
    expect(warnings).toHaveLength(1);
    expect(driver().connections[0]?.closed).toBe(true);
    expect(releases()).toBe(1);
  });

  it("a failed BEGIN fails the statement, destroys that connection, and the next statement starts clean", async () => {
    const { db, driver, releases } = makeDb({ db: { commit: "autocommit" } });
    driver().failOn("begin", { how: "reject", times: 1 });
    const scope = db.createScope();
    await inScope(scope, async () => {
      const s = getSession();
      await expect(s.execute("INSERT INTO t VALUES (1)")).rejects.toThrow(/fake begin failure/);
      await s.execute("INSERT INTO t VALUES (2)");
    });
    const report = await scope.finish({ status: 200 });
    expect(report.ok).toBe(true);
    const [first, second] = driver().connections;
    expect(first?.ops()).toEqual(["begin", "close"]);
    expect(second?.ops()).toEqual(["begin", "query", "commit"]);
    // Nothing ran outside a transaction.
    expect(
      driver()
        .allCalls()
        .filter((c) => c.op === "query")
        .map((c) => c.conn),
    ).toEqual([2]);
    expect(releases()).toBe(2);
    expect(db.stats().borrowed).toBe(0);
  });

  it("finish is idempotent and never rejects", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    driver().failOn("commit", { how: "reject" });
    const scope = db.createScope();
    await inScope(scope, async () => {
      await getSession().execute("SELECT 1");
    });
    const first = scope.finish({ status: 200 });
    const second = scope.finish({ status: 500 });
    expect(second).toBe(first);
    const report: FinishReport = await first;
    expect(report.ok).toBe(false);
    expect(scope.state).toBe("finished");
  });

  it("a session used after finish throws SessionClosedError, including a statement started during finish", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" }, other: {} });
    driver().failOn("commit", { how: "delay", ms: 50 });
    const scope = db.createScope();
    let captured!: ReturnType<typeof getSession>;
    await inScope(scope, async () => {
      captured = getSession();
      await captured.execute("SELECT 1");
    });
    const finishing = scope.finish({ status: 200 });
    expect(scope.state).toBe("finishing");
    await expect(captured.execute("SELECT 2")).rejects.toBeInstanceOf(SessionClosedError);
    await finishing;
    await expect(captured.select("SELECT 3")).rejects.toThrow(SessionClosedError);
    await expect(captured.transaction(async () => undefined)).rejects.toThrow(SessionClosedError);
    expect(captured.isClosed).toBe(true);
    // In the scope's context after finish: the old key's session is closed, a new key cannot open.
    await expect(scope.run(() => getSession().execute("SELECT 4"))).rejects.toThrow(SessionClosedError);
    expect(() => scope.run(() => getSession("other"))).toThrow(SessionClosedError);
    const err = await rejection(captured.execute("SELECT 5"));
    expect((err as Error).message).toMatch(/missing await/);
    expect(driver().connections[0]?.statements()).toEqual(["SELECT 1"]);
  });

  it("awaits statements still running at finish before committing", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    const scope = db.createScope();
    let pending!: Promise<unknown>;
    await inScope(scope, async () => {
      await getSession().execute("SELECT 1");
      driver().failOn("query", { how: "delay", ms: 80, match: "slow" });
      pending = getSession().execute("UPDATE slow SET x = 1"); // not awaited: the handler "returns" now
    });
    const report = await scope.finish({ status: 200 });
    await pending;
    expect(report.ok).toBe(true);
    expect(driver().connections[0]?.ops()).toEqual(["begin", "query", "query", "commit"]);
  });

  it("a statement still running after finishTimeoutMs rolls the scope back and destroys the connection", async () => {
    const { db, driver, releases } = makeDb({ db: { commit: "autocommit" } }, { finishTimeoutMs: 100 });
    const scope = db.createScope();
    let pending!: Promise<unknown>;
    await inScope(scope, async () => {
      await getSession().execute("SELECT 1");
      driver().failOn("query", { how: "hang", match: "forever" });
      pending = getSession()
        .execute("SELECT forever")
        .catch((e: unknown) => e);
    });
    const started = Date.now();
    const report = await scope.finish({ status: 200 });
    expect(Date.now() - started).toBeLessThan(100 + 1500);
    expect(report.ok).toBe(false);
    expect(report.error).toBeInstanceOf(TransactionError);
    expect(report.error?.message).toMatch(/still running 100 ms/);
    expect(driver().connections[0]?.ops()).not.toContain("commit");
    await until(() => driver().connections[0]?.closed === true);
    expect(releases()).toBe(1);
    driver().releaseHangs();
    await pending;
  });

  it("a session whose acquire is still waiting at finish returns what it got", async () => {
    const { db, driver, releases } = makeDb({ db: { commit: "autocommit" } });
    driver().failOn("connect", { how: "delay", ms: 60, times: 1 });
    const scope = db.createScope();
    let pending!: Promise<unknown>;
    await inScope(scope, async () => {
      pending = getSession().execute("SELECT 1");
    });
    const report = await scope.finish({ status: 200 });
    await pending;
    expect(report.ok).toBe(true);
    expect(releases()).toBe(1);
    expect(db.stats().borrowed).toBe(0);
  });
});
