import { afterEach, describe, expect, it } from "vitest";
import {
  AlreadyRegisteredError,
  CommitFailedError,
  ConfigError,
  DuplicateKeyError,
  getSession,
  NoScopeError,
  runInScope,
  SecondConnectionError,
  SQLScope,
  tryGetSession,
  UnknownKeyError,
} from "../src/index.ts";
import { currentScope } from "../src/scope.ts";
import { FakeDriver } from "./support/fake-driver.ts";
import { closeAll, makeDb, rejection, sleep } from "./helpers.ts";

afterEach(closeAll);

describe("runInScope", () => {
  it("commits when fn resolves and returns its value", async () => {
    const { db, driver, releases } = makeDb({ db: { commit: "autocommit" } });
    const value = await db.runInScope(async () => {
      await getSession().execute("INSERT INTO t VALUES (1)");
      return "done";
    });
    expect(value).toBe("done");
    expect(driver().connections[0]?.ops()).toEqual(["begin", "query", "commit"]);
    expect(releases()).toBe(1);
  });

  it("rolls back when fn throws, and rethrows the same error", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    const boom = new Error("boom");
    const error = await rejection(
      db.runInScope(async () => {
        await getSession().execute("INSERT INTO t VALUES (1)");
        throw boom;
      }),
    );
    expect(error).toBe(boom);
    expect(driver().connections[0]?.ops()).toEqual(["begin", "query", "rollback"]);
  });

  it("rejects with CommitFailedError when the commit fails", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    driver().failOn("commit", { how: "reject" });
    await expect(db.runInScope(() => getSession().execute("SELECT 1"))).rejects.toBeInstanceOf(CommitFailedError);
  });

  it("nested runInScope joins the outer scope: same session, one connection, settled by the outer scope", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    await db.runInScope(async () => {
      const outer = getSession();
      await outer.execute("SELECT 1");
      await db.runInScope(async () => {
        expect(getSession()).toBe(outer);
        await getSession().execute("SELECT 2");
      });
      await runInScope(async () => {
        expect(getSession()).toBe(outer);
      });
      expect(driver().connections[0]?.ops()).toEqual(["begin", "query", "query"]); // not committed yet
    });
    expect(driver().connections).toHaveLength(1);
    expect(driver().connections[0]?.ops()).toEqual(["begin", "query", "query", "commit"]);
  });

  it("{ isolated: true } gets its own scope, connection and commit", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    await db.runInScope(async () => {
      const outer = getSession();
      await outer.execute("SELECT outer");
      await db.runInScope(
        async () => {
          expect(getSession()).not.toBe(outer);
          await getSession().execute("SELECT inner");
        },
        { isolated: true },
      );
      expect(driver().connections[1]?.ops()).toEqual(["begin", "query", "commit"]);
      expect(driver().connections[0]?.ops()).toEqual(["begin", "query"]);
      expect(getSession()).toBe(outer);
    });
    expect(driver().connections[0]?.ops()).toEqual(["begin", "query", "commit"]);
  });

  it("an isolated scope that needs a second connection from a pool of 1 fails fast with SecondConnectionError", async () => {
    const { db } = makeDb({ db: { commit: "autocommit", pool: { max: 1, acquireTimeoutMs: 5000 } } });
    const started = Date.now();
    await db.runInScope(async () => {
      await getSession().execute("SELECT 1");
      const error = await rejection(db.runInScope(() => getSession().execute("SELECT 2"), { isolated: true }));
      expect(error).toBeInstanceOf(SecondConnectionError);
      expect((error as Error).message).toMatch(/isolated/);
    });
    expect(Date.now() - started).toBeLessThan(2000); // did not wait for the acquire deadline
    expect(db.stats().borrowed).toBe(0);
  });
});

describe("free runInScope() picks its SQLScope", () => {
  it("uses the only SQLScope with a database", async () => {
    const { driver } = makeDb({ db: { commit: "autocommit" } });
    const empty = new SQLScope();
    try {
      await runInScope(() => getSession().execute("SELECT 1"));
      expect(driver().connections[0]?.ops()).toEqual(["begin", "query", "commit"]);
    } finally {
      await empty.close();
    }
  });

  it("uses the one marked default when there are several", async () => {
    makeDb({ db: {} });
    const main = makeDb({ db: { commit: "autocommit" } }, { default: true });
    await runInScope(() => getSession().execute("SELECT 1"));
    expect(main.driver().connections).toHaveLength(1);
  });

  it("throws a ConfigError that says the fix when it cannot tell", async () => {
    makeDb();
    makeDb();
    const error = await rejection(runInScope(async () => undefined));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/found 2 SQLScope.*db\.runInScope\(\).*default: true/);
  });

  it("throws a ConfigError when no SQLScope exists, and refuses two defaults", async () => {
    await expect(runInScope(async () => undefined)).rejects.toThrow(/no SQLScope with a database/);
    makeDb({ db: {} }, { default: true });
    expect(() => new SQLScope({ default: true })).toThrow(ConfigError);
  });
});

describe("SQLScope registry", () => {
  it("two SQLScope instances never interfere, even nested", async () => {
    const one = makeDb({ a: { commit: "autocommit" } });
    const two = makeDb({ b: { commit: "autocommit" } });
    await one.db.runInScope(async () => {
      const a = getSession();
      await a.execute("SELECT a1");
      await two.db.runInScope(async () => {
        expect(getSession("a")).toBe(a); // found in the enclosing scope of the other SQLScope
        await getSession().execute("SELECT b1"); // default key of the innermost: "b"
        expect(two.db.getSession()).toBe(getSession("b"));
        expect(one.db.getSession()).toBe(a);
        await expect(two.db.runInScope(() => sleep(1))).resolves.toBeUndefined();
      });
      expect(two.driver().connections[0]?.ops()).toEqual(["begin", "query", "commit"]);
      expect(one.driver().connections[0]?.ops()).toEqual(["begin", "query"]);
      expect(() => getSession("b")).toThrow(UnknownKeyError);
    });
    expect(one.driver().connections[0]?.ops()).toEqual(["begin", "query", "commit"]);
  });

  it("NoScopeError outside a scope says how to open one", () => {
    const { db } = makeDb();
    expect(() => getSession()).toThrow(NoScopeError);
    expect(() => db.getSession()).toThrow(NoScopeError);
    expect(() => getSession()).toThrow(/app\.use\(sqlscope\(db\)\).*runInScope/);
    expect(tryGetSession()).toBeUndefined();
    expect(db.tryGetSession()).toBeUndefined();
    expect(currentScope()).toBeUndefined();
  });

  it("UnknownKeyError lists the known keys", async () => {
    const { db } = makeDb({ main: {}, events: {} });
    await db.runInScope(async () => {
      const error = (() => {
        try {
          getSession("nope");
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(UnknownKeyError);
      expect((error as Error).message).toMatch(/"nope".*"main", "events"/);
      expect(() => tryGetSession("nope")).toThrow(UnknownKeyError);
    });
  });

  it("DuplicateKeyError for a key added twice; ConfigError for bad add() input", () => {
    const { db } = makeDb({ db: {} });
    expect(() => db.add(new FakeDriver())).toThrow(DuplicateKeyError);
    expect(() => db.add(new FakeDriver(), { key: "" })).toThrow(ConfigError);
    expect(() => db.add({} as FakeDriver, { key: "x" })).toThrow(/needs a driver/);
    expect(() => db.add(new FakeDriver(), { key: "y", commit: "manual", extraCommitStatuses: [202] })).toThrow(
      ConfigError,
    );
    expect(db.keys).toEqual(["db"]);
  });

  it("createScope inside an open scope of the same SQLScope is AlreadyRegisteredError; other SQLScopes may nest", async () => {
    const one = makeDb();
    const two = makeDb({ other: {} });
    const outer = one.db.createScope();
    outer.run(() => {
      expect(() => one.db.createScope()).toThrow(AlreadyRegisteredError);
      const inner = two.db.createScope();
      expect(inner.parent).toBe(outer);
      void inner.finish({ status: 200 });
    });
    await outer.finish({ status: 200 });
    const after = outer.run(() => one.db.createScope()); // finished scopes do not count
    await after.finish({ status: 200 }); // an open scope would hold up db.close() until its deadline
  });

  it("a SQLScope without databases says what to do", async () => {
    const empty = new SQLScope();
    try {
      expect(() => empty.createScope()).toThrow(/No database is registered/);
      await expect(empty.runInScope(async () => 1)).rejects.toThrow(ConfigError);
    } finally {
      await empty.close();
    }
  });

  it("close() drains pools and closes the drivers; add() after close is refused", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    await db.runInScope(() => getSession().execute("SELECT 1"));
    await db.close();
    expect(driver().connections[0]?.closed).toBe(true);
    expect(driver().closedDriver).toBe(true);
    expect(() => db.add(new FakeDriver(), { key: "late" })).toThrow(/closed/);
  });

  it("concurrent scopes each use only their own connection", async () => {
    const { db, driver, releases } = makeDb({ db: { commit: "autocommit", pool: { max: 5 } } });
    driver().failOn("query", { how: "delay", ms: 1, match: "slow" });
    const ids = Array.from({ length: 50 }, (_, i) => i);
    const results = await Promise.all(
      ids.map((id) =>
        db.runInScope(async () => {
          const s = getSession();
          for (let step = 0; step < 3; step++) {
            await sleep(Math.floor(Math.random() * 4));
            await s.execute(step === 1 ? "SELECT slow, ?" : "SELECT ?", [id]);
            expect(getSession()).toBe(s);
          }
          return id;
        }),
      ),
    );
    expect(results).toEqual(ids);
    expect(driver().connections.length).toBeLessThanOrEqual(5);
    // On each connection, every transaction (begin..commit) carries the statements of exactly one scope.
    const perScope = new Map<number, number>();
    for (const conn of driver().connections) {
      let owner: unknown = undefined;
      for (const call of conn.calls) {
        if (call.op === "begin") owner = undefined;
        else if (call.op === "query") {
          const id = call.params?.[0];
          if (owner === undefined) owner = id;
          expect(id).toBe(owner);
          perScope.set(id as number, (perScope.get(id as number) ?? 0) + 1);
        } else if (call.op === "commit") owner = undefined;
      }
    }
    expect([...perScope.values()]).toEqual(ids.map(() => 3));
    expect(releases()).toBe(50);
    expect(driver().openTransactions()).toEqual([]);
    expect(db.stats().borrowed).toBe(0);
  });
});
