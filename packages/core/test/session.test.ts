import { afterEach, describe, expect, it } from "vitest";
import {
  CommitFailedError,
  getSession,
  MultipleRowsError,
  NotFoundError,
  sql,
  TransactionError,
  UnsupportedError,
} from "../src/index.ts";
import { type Scope } from "../src/scope.ts";
import { closeAll, makeDb, rejection } from "./helpers.ts";

afterEach(closeAll);

const run = (scope: Scope, fn: () => Promise<void>) => scope.run(fn);

describe("Session: manual mode", () => {
  it("runs statements in the driver's autocommit until begin(), then commit()/rollback() end the transaction", async () => {
    const { db, driver, releases } = makeDb({ db: { commit: "manual" } });
    const scope = db.createScope();
    await run(scope, async () => {
      const s = getSession();
      await s.execute("INSERT INTO log VALUES (1)");
      await s.begin();
      expect(s.inTransaction).toBe(true);
      await s.execute("INSERT INTO t VALUES (1)");
      await s.commit();
      expect(s.inTransaction).toBe(false);
      await s.begin();
      await s.execute("INSERT INTO t VALUES (2)");
      await s.rollback();
    });
    const report = await scope.finish({ status: 200 });
    expect(report).toMatchObject({ ok: true, sessions: [{ action: "none" }] });
    expect(driver().connections[0]?.ops()).toEqual(["query", "begin", "query", "commit", "begin", "query", "rollback"]);
    expect(releases()).toBe(1);
  });

  it("rolls back a transaction left open, and that turns a success outcome into a failure", async () => {
    const { db, driver, warnings } = makeDb({ db: { commit: "manual" } });
    const scope = db.createScope();
    await run(scope, async () => {
      await getSession().begin();
      await getSession().execute("INSERT INTO t VALUES (1)");
    });
    const report = await scope.finish({ status: 200 });
    expect(report.ok).toBe(false);
    expect(report.error).toBeInstanceOf(TransactionError);
    expect(report.error?.message).toMatch(/still open.*rolled back/);
    expect(report.sessions[0]).toMatchObject({ action: "rollback", leftOpen: true });
    expect(driver().connections[0]?.ops()).toEqual(["begin", "query", "rollback"]);
    expect(warnings).toEqual([]);

    // With a failure outcome the rollback is what the client expects: only a warning.
    const failed = db.createScope();
    await run(failed, async () => {
      await getSession().begin();
    });
    const second = await failed.finish({ status: 500 });
    expect(second.ok).toBe(true);
    expect(warnings).toHaveLength(1);
  });

  it("refuses commit()/rollback() without begin(), begin() twice, and commit() inside transaction(fn)", async () => {
    const { db } = makeDb({ db: { commit: "manual" } });
    const scope = db.createScope();
    await run(scope, async () => {
      const s = getSession();
      await expect(s.commit()).rejects.toThrow(/call begin\(\) first/);
      await expect(s.rollback()).rejects.toBeInstanceOf(TransactionError);
      await s.begin();
      await expect(s.begin()).rejects.toThrow(/already open/);
      await s.rollback();
      await expect(s.transaction(() => s.commit())).rejects.toThrow(/inside transaction\(fn\)/);
    });
    await scope.finish({ status: 200 });
  });

  it("a failed manual commit is a CommitFailedError and the connection is destroyed", async () => {
    const { db, driver } = makeDb({ db: { commit: "manual" } });
    driver().failOn("commit", { how: "reject" });
    const scope = db.createScope();
    await run(scope, async () => {
      await getSession().begin();
      await expect(getSession().commit()).rejects.toBeInstanceOf(CommitFailedError);
    });
    await scope.finish({ status: 200 });
    expect(driver().connections[0]?.closed).toBe(true);
  });

  it("begin(), commit() and rollback() in autocommit mode are a TransactionError that points to transaction(fn)", async () => {
    const { db } = makeDb({ db: { commit: "autocommit" } });
    const scope = db.createScope();
    await run(scope, async () => {
      await expect(getSession().begin()).rejects.toThrow(/transaction\(fn\)/);
      await expect(getSession().commit()).rejects.toBeInstanceOf(TransactionError);
      await expect(getSession().rollback()).rejects.toBeInstanceOf(TransactionError);
    });
    await scope.finish({ status: 200 });
  });
});

describe("Session: transaction(fn)", () => {
  it("manual mode: begins and commits, nests as savepoints, and a failing inner unit undoes only itself", async () => {
    const { db, driver } = makeDb({ db: { commit: "manual" } });
    const scope = db.createScope();
    await run(scope, async () => {
      const s = getSession();
      const result = await s.transaction(async () => {
        await s.execute("INSERT INTO t VALUES ('outer')");
        await s.transaction(async () => {
          await s.execute("INSERT INTO t VALUES ('kept')");
        });
        const error = await rejection(
          s.transaction(async () => {
            await s.execute("INSERT INTO t VALUES ('undone')");
            throw new Error("inner failed");
          }),
        );
        expect((error as Error).message).toBe("inner failed");
        return 42;
      });
      expect(result).toBe(42);
      expect(s.inTransaction).toBe(false);
    });
    await scope.finish({ status: 200 });
    const calls = driver().connections[0]?.calls.map((c) =>
      c.name !== undefined ? `${c.op}:${c.name}` : (c.sql ?? c.op),
    );
    expect(calls).toEqual([
      "begin",
      "INSERT INTO t VALUES ('outer')",
      "savepoint:sqlscope_sp_1",
      "INSERT INTO t VALUES ('kept')",
      "releaseSavepoint:sqlscope_sp_1",
      "savepoint:sqlscope_sp_1",
      "INSERT INTO t VALUES ('undone')",
      "rollbackToSavepoint:sqlscope_sp_1",
      "commit",
    ]);
  });

  it("manual mode: a throwing fn rolls back the whole transaction and rethrows", async () => {
    const { db, driver } = makeDb({ db: { commit: "manual" } });
    const scope = db.createScope();
    await run(scope, async () => {
      const boom = new Error("boom");
      await expect(
        getSession().transaction(async (s) => {
          await s.execute("INSERT INTO t VALUES (1)");
          throw boom;
        }),
      ).rejects.toBe(boom);
    });
    const report = await scope.finish({ status: 200 });
    expect(report.ok).toBe(true);
    expect(driver().connections[0]?.ops()).toEqual(["begin", "query", "rollback"]);
  });

  it("autocommit mode: transaction(fn) is a savepoint inside the scope's transaction", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    const scope = db.createScope();
    await run(scope, async () => {
      const s = getSession();
      await s.transaction(async () => {
        await s.transaction(async () => {
          await s.execute("SELECT 1");
        });
      });
      await rejection(s.transaction(async () => Promise.reject(new Error("no"))));
    });
    await scope.finish({ status: 200 });
    expect(driver().connections[0]?.calls.map((c) => c.name ?? c.op)).toEqual([
      "begin",
      "sqlscope_sp_1",
      "sqlscope_sp_2",
      "query",
      "sqlscope_sp_2",
      "sqlscope_sp_1",
      "sqlscope_sp_1",
      "sqlscope_sp_1",
      "commit",
    ]);
    expect(driver().connections[0]?.ops().slice(-3)).toEqual(["savepoint", "rollbackToSavepoint", "commit"]);
  });

  it("nesting without savepoint support is an UnsupportedError", async () => {
    const { db } = makeDb({ db: { commit: "autocommit", fake: { savepoints: false } } });
    const scope = db.createScope();
    await run(scope, async () => {
      await expect(getSession().transaction(async () => 1)).rejects.toBeInstanceOf(UnsupportedError);
    });
    await scope.finish({ status: 200 });
  });
});

describe("Session: statements", () => {
  it("selectOne/selectOneOrNull/selectValue check the row count", async () => {
    const rows: Record<string, unknown[]> = { none: [], one: [{ n: 1, m: 2 }], two: [{ n: 1 }, { n: 2 }] };
    const { db } = makeDb({
      db: { fake: { respond: (text) => (rows[text.split(" ").pop() ?? ""] ?? []) as Record<string, unknown>[] } },
    });
    const scope = db.createScope();
    await run(scope, async () => {
      const s = getSession();
      await expect(s.selectOne("SELECT none")).rejects.toBeInstanceOf(NotFoundError);
      await expect(s.selectOne("SELECT two")).rejects.toBeInstanceOf(MultipleRowsError);
      await expect(s.selectOneOrNull("SELECT two")).rejects.toMatchObject({ rowCount: 2 });
      expect(await s.selectOneOrNull("SELECT none")).toBeNull();
      expect(await s.selectOne("SELECT one")).toEqual({ n: 1, m: 2 });
      expect(await s.selectValue("SELECT one")).toBe(1);
    });
    await scope.finish({ status: 200 });
  });

  it("translates placeholders and sql fragments for the driver's dialect", async () => {
    const { db, driver } = makeDb({ db: { fake: { placeholder: "$" } } });
    const scope = db.createScope();
    await run(scope, async () => {
      const s = getSession();
      await s.execute("SELECT * FROM t WHERE a = :a AND b = :a", { a: 1 });
      await s.select(sql`SELECT * FROM ${sql.id("t")} WHERE x = ${"y"}`);
      await s.executeMany("INSERT INTO t VALUES (?)", [[1], [2]]);
      await expect(s.execute(sql`SELECT 1`, [1])).rejects.toThrow(TypeError);
      await expect(s.execute("SELECT ?", [])).rejects.toMatchObject({ code: "ERR_SQLSCOPE_PARAMETERS" });
    });
    await scope.finish({ status: 200 });
    expect(driver().connections[0]?.calls).toMatchObject([
      { op: "query", sql: "SELECT * FROM t WHERE a = $1 AND b = $1", params: [1] },
      { op: "query", sql: 'SELECT * FROM "t" WHERE x = $1', params: ["y"] },
      { op: "queryMany", sql: "INSERT INTO t VALUES ($1)", params: [[1], [2]] },
    ]);
  });

  it("maps driver errors by their class, and a fatal one destroys the connection", async () => {
    const { FakeDbError } = await import("./support/fake-driver.ts");
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    driver().failOn("query", {
      how: "reject",
      match: "dup",
      error: new FakeDbError("duplicate key", { kind: "constraint", code: "23505" }),
    });
    driver().failOn("query", {
      how: "reject",
      match: "gone",
      error: new FakeDbError("terminating connection", { kind: "connection", fatal: true }),
    });
    const scope = db.createScope();
    await run(scope, async () => {
      await expect(getSession().execute("INSERT dup")).rejects.toMatchObject({
        code: "ERR_SQLSCOPE_CONSTRAINT",
        driverCode: "23505",
      });
      await expect(getSession().execute("SELECT gone")).rejects.toMatchObject({
        code: "ERR_SQLSCOPE_CONNECTION",
        retryable: true,
      });
    });
    await scope.finish({ status: 500 });
    expect(driver().connections[0]?.closed).toBe(true);
  });

  it("stream() yields rows and counts as running until the loop ends", async () => {
    const { db } = makeDb({ db: { commit: "autocommit", fake: { respond: () => [{ i: 1 }, { i: 2 }, { i: 3 }] } } });
    const scope = db.createScope();
    const seen: unknown[] = [];
    await run(scope, async () => {
      for await (const row of getSession().stream("SELECT i")) seen.push(row);
    });
    expect(seen).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
    expect((await scope.finish({ status: 200 })).ok).toBe(true);
  });
});
