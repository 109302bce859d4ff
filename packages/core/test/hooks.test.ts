import { afterEach, describe, expect, it } from "vitest";
import {
  afterCommit,
  afterRollback,
  CommitFailedError,
  getSession,
  HookError,
  NoScopeError,
  tryGetSession,
} from "../src/index.ts";
import { currentScope } from "../src/scope.ts";
import { FakeDbError } from "./support/fake-driver.ts";
import { closeAll, makeDb, rejection, sleep } from "./helpers.ts";

afterEach(closeAll);

describe("afterCommit / afterRollback (fake driver: the rules)", () => {
  it("runs afterCommit hooks in registration order, awaited, and drops afterRollback hooks", async () => {
    const { db } = makeDb({ db: { commit: "autocommit" } });
    const log: string[] = [];
    await db.runInScope(async () => {
      await getSession().execute("INSERT 1");
      afterCommit(async () => {
        await sleep(20);
        log.push("first");
      });
      afterRollback(() => log.push("rollback"));
      getSession().afterCommit(() => log.push("second"));
      currentScope()?.afterCommit(() => log.push("third"));
    });
    // runInScope resolves only after every hook finished.
    expect(log).toEqual(["first", "second", "third"]);
  });

  it("runs afterRollback hooks (and drops afterCommit hooks) when the function throws", async () => {
    const { db } = makeDb({ db: { commit: "autocommit" } });
    const log: string[] = [];
    const error = await rejection(
      db.runInScope(async () => {
        await getSession().execute("INSERT 1");
        afterCommit(() => log.push("commit"));
        afterRollback(() => log.push("rollback"));
        throw new Error("boom");
      }),
    );
    expect((error as Error).message).toBe("boom");
    expect(log).toEqual(["rollback"]);
  });

  it("a failed commit runs afterRollback hooks, and the caller still sees the CommitFailedError", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    driver().failOn("commit", { how: "reject", error: new FakeDbError("disk full") });
    const log: string[] = [];
    const error = await rejection(
      db.runInScope(async () => {
        await getSession().execute("INSERT 1");
        afterCommit(() => log.push("commit"));
        afterRollback(() => log.push("rollback"));
      }),
    );
    expect(error).toBeInstanceOf(CommitFailedError);
    expect(log).toEqual(["rollback"]);
  });

  it("per scope: one key rolling back makes the whole scope a rollback", async () => {
    const { db } = makeDb({
      db: { commit: "autocommit" },
      other: { commit: "autocommit", extraRollbackStatuses: [201] },
    });
    const scope = db.createScope();
    const log: string[] = [];
    await scope.run(async () => {
      await getSession("db").execute("INSERT 1");
      await getSession("other").execute("INSERT 2");
      afterCommit(() => log.push("commit"));
      afterRollback(() => log.push("rollback"));
    });
    const report = await scope.finish({ status: 201 });
    expect(report.sessions.map((s) => s.action)).toEqual(["commit", "rollback"]);
    expect(log).toEqual(["rollback"]);
    expect(report.figures?.result).toBe("rollback");
  });

  it("with no transaction to settle, the outcome decides (2xx commits, 4xx rolls back)", async () => {
    const { db } = makeDb({ db: { commit: "manual" } });
    for (const [status, expected] of [
      [200, "commit"],
      [404, "rollback"],
    ] as const) {
      const scope = db.createScope();
      const log: string[] = [];
      scope.run(() => {
        afterCommit(() => log.push("commit"));
        afterRollback(() => log.push("rollback"));
      });
      expect(scope.needsSettling).toBe(true); // adapters must hold the response for the hooks
      await scope.finish({ status });
      expect(log).toEqual([expected]);
    }
  });

  it("a throwing, rejecting or hanging hook is reported and never changes the outcome; later hooks still run", async () => {
    const { db, warnings } = makeDb({ db: { commit: "autocommit" } }, { finishTimeoutMs: 100 });
    const log: string[] = [];
    const value = await db.runInScope(async () => {
      await getSession().execute("INSERT 1");
      afterCommit(() => {
        throw new Error("sync failure");
      });
      afterCommit(() => Promise.reject(new Error("async failure")));
      afterCommit(() => new Promise(() => undefined)); // never settles
      afterCommit(() => log.push("last"));
      return "committed";
    });
    expect(value).toBe("committed");
    expect(log).toEqual(["last"]);
    expect(warnings).toHaveLength(3);
    for (const w of warnings) expect(w).toBeInstanceOf(HookError);
    expect((warnings[0] as HookError).code).toBe("ERR_SQLSCOPE_HOOK");
    expect(((warnings[0] as HookError).cause as Error).message).toBe("sync failure");
    expect(((warnings[1] as HookError).cause as Error).message).toBe("async failure");
    expect(warnings[2]?.message).toMatch(/still running after 100 ms/);
  });

  it("hooks run outside the finished scope: getSession() there says there is no scope", async () => {
    const { db } = makeDb({ db: { commit: "autocommit" } });
    let seen: unknown = "not run";
    await db.runInScope(async () => {
      await getSession().execute("INSERT 1");
      afterCommit(() => {
        seen = tryGetSession();
      });
    });
    expect(seen).toBeUndefined();
  });

  it("registering outside a scope or after it ended throws an error that says the fix", async () => {
    const { db } = makeDb({ db: { commit: "autocommit" } });
    expect(() => afterCommit(() => undefined)).toThrow(NoScopeError);
    const scope = db.createScope();
    await scope.finish({ status: 200 });
    expect(() => scope.afterCommit(() => undefined)).toThrow(HookError);
    expect(() => scope.afterCommit(() => undefined)).toThrow(/after the scope ended/);
  });
});
