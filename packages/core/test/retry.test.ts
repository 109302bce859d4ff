import diagnostics from "node:diagnostics_channel";
import { afterEach, describe, expect, it } from "vitest";
import {
  afterCommit,
  afterRollback,
  CHANNELS,
  CommitFailedError,
  ConfigError,
  getSession,
  QueryError,
  runInScope,
  SerializationError,
  SQLScope,
  type RetryMessage,
  type StandardSchema,
} from "../src/index.ts";
import { currentScope, type Scope } from "../src/scope.ts";
import { backoffDelay, isRetryableFailure, retryPolicy } from "../src/retry.ts";
import { FakeDbError } from "./support/fake-driver.ts";
import { closeAll, makeDb, rejection } from "./helpers.ts";

afterEach(closeAll);

const conflict = () => new FakeDbError("could not serialize access", { kind: "serialization", code: "40001" });

describe("runInScope(fn, { retry }) (fake driver: the rules)", () => {
  it("re-runs the whole function in a fresh scope after a serialization failure, then commits once", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    driver().failOn("query", { how: "reject", error: conflict(), match: "UPDATE", times: 2 });
    const scopes: Scope[] = [];
    const log: string[] = [];
    const result = await db.runInScope(
      async () => {
        scopes.push(currentScope() as Scope);
        afterCommit(() => log.push("commit"));
        afterRollback(() => log.push("rollback"));
        await getSession().execute("UPDATE t SET n = n + 1");
        return "done";
      },
      { retry: { attempts: 3, backoffMs: 1 } },
    );
    expect(result).toBe("done");
    expect(scopes).toHaveLength(3);
    expect(new Set(scopes).size).toBe(3);
    expect(log).toEqual(["rollback", "rollback", "commit"]);
    expect(db.stats().borrowed).toBe(0);
  });

  it("a commit rejected by a serialization failure is retried; one whose connection was lost is not (it may have landed)", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    driver().failOn("commit", { how: "reject", error: conflict(), times: 1 });
    let runs = 0;
    await db.runInScope(
      async () => {
        runs++;
        await getSession().execute("INSERT 1");
      },
      { retry: 3 },
    );
    expect(runs).toBe(2);

    driver().failOn("commit", {
      how: "reject",
      error: new FakeDbError("socket hang up", { kind: "connection", fatal: true }),
      times: 1,
    });
    runs = 0;
    const error = await rejection(
      db.runInScope(
        async () => {
          runs++;
          await getSession().execute("INSERT 1");
        },
        { retry: 3 },
      ),
    );
    expect(error).toBeInstanceOf(CommitFailedError);
    expect(runs).toBe(1);
  });

  it("gives up after `attempts` runs and rethrows the last error unchanged; other errors are never retried", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    driver().failOn("query", { how: "reject", error: conflict(), match: "UPDATE" });
    let runs = 0;
    const error = await rejection(
      db.runInScope(
        async () => {
          runs++;
          await getSession().execute("UPDATE t");
        },
        { retry: { attempts: 4, backoffMs: 1 } },
      ),
    );
    expect(error).toBeInstanceOf(SerializationError);
    expect(runs).toBe(4);

    runs = 0;
    driver().failOn("query", { how: "reject", error: new FakeDbError("syntax error"), match: "SELEC" });
    const syntax = db.runInScope(
      async () => {
        runs++;
        await getSession().execute("SELEC 1");
      },
      { retry: 5 },
    );
    expect(await rejection(syntax)).toBeInstanceOf(QueryError);
    expect(runs).toBe(1);
  });

  it("does not re-run work that was already committed (manual mode: a statement outside a transaction)", async () => {
    const { db, driver } = makeDb({ db: { commit: "manual" } });
    driver().failOn("query", { how: "reject", error: conflict(), match: "UPDATE" });
    let runs = 0;
    const error = await rejection(
      db.runInScope(
        async () => {
          runs++;
          const s = getSession();
          await s.execute("INSERT INTO audit VALUES (1)"); // committed at once: no transaction
          await s.transaction(() => s.execute("UPDATE t"));
        },
        { retry: 3 },
      ),
    );
    expect(error).toBeInstanceOf(SerializationError);
    expect(runs).toBe(1);

    // The same conflict inside transaction(fn) with nothing committed before it is retried.
    runs = 0;
    const inTransaction = db.runInScope(
      async () => {
        runs++;
        await getSession().transaction((s) => s.execute("UPDATE t"));
      },
      { retry: 3 },
    );
    expect(await rejection(inTransaction)).toBeInstanceOf(SerializationError);
    expect(runs).toBe(3);
  });

  it("refuses retry on a runInScope that would join an enclosing scope, and checks its options", async () => {
    const { db } = makeDb({ db: { commit: "autocommit" } });
    const error = await rejection(db.runInScope(() => runInScope(() => 1, { retry: 2 })));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/isolated: true/);
    expect(await db.runInScope(() => runInScope(() => 1, { retry: 2, isolated: true }))).toBe(1);
    expect(() => retryPolicy(0)).toThrow(/attempts must be a whole number >= 1/);
    expect(() => retryPolicy({ backoffMs: -1 })).toThrow(ConfigError);
  });

  it("backs off exponentially with jitter, within [ceiling/2, ceiling], capped by maxBackoffMs", () => {
    const policy = retryPolicy({ attempts: 10, backoffMs: 10, maxBackoffMs: 100 });
    for (let i = 0; i < 200; i++) {
      const first = backoffDelay(policy, 1);
      expect(first).toBeGreaterThanOrEqual(5);
      expect(first).toBeLessThanOrEqual(10);
      const late = backoffDelay(policy, 8);
      expect(late).toBeGreaterThanOrEqual(50);
      expect(late).toBeLessThanOrEqual(100);
    }
    expect(isRetryableFailure(new Error("plain"))).toBe(false);
  });

  it("publishes each retry on the sqlscope:retry channel", async () => {
    const { db, driver } = makeDb({ db: { commit: "autocommit" } });
    driver().failOn("query", { how: "reject", error: conflict(), match: "UPDATE", times: 1 });
    const seen: RetryMessage[] = [];
    const listener = (message: unknown) => seen.push(message as RetryMessage);
    diagnostics.subscribe(CHANNELS.retry, listener);
    try {
      await db.runInScope(() => getSession().execute("UPDATE t"), { retry: { attempts: 2, backoffMs: 4 } });
    } finally {
      diagnostics.unsubscribe(CHANNELS.retry, listener);
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]?.attempt).toBe(1);
    expect(seen[0]?.error).toBeInstanceOf(SerializationError);
    expect(seen[0]?.delayMs).toBeGreaterThanOrEqual(2);
  });
});
