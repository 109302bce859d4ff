import { PoolTimeoutError, SQLScope } from "@sqlscope/core";
import { afterEach, describe, expect, it } from "vitest";
import { sqlite } from "../src/index.ts";
import { sleep } from "./helpers.ts";

describe('sqlite({ filename: ":memory:" })', () => {
  let db: SQLScope | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it("is one shared connection: two sequential scopes see the same database", async () => {
    const scope = new SQLScope().add(sqlite({ filename: ":memory:" }), { commit: "autocommit" });
    db = scope;
    expect(scope.stats().max).toBe(1);
    await scope.runInScope(() =>
      scope.getSession().executeScript("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('first')"),
    );
    await scope.runInScope(() => scope.getSession().execute("INSERT INTO t VALUES (?)", ["second"]));
    const rows = await scope.runInScope(() => scope.getSession().select("SELECT v FROM t ORDER BY rowid"));
    expect(rows).toEqual([{ v: "first" }, { v: "second" }]);
  });

  it("serializes concurrent scopes: each runs its whole transaction alone", async () => {
    const scope = new SQLScope().add(sqlite({ filename: ":memory:" }), { commit: "autocommit" });
    db = scope;
    await scope.runInScope(() => scope.getSession().executeScript("CREATE TABLE log (scope INTEGER, step INTEGER)"));
    await Promise.all(
      [1, 2, 3].map((i) =>
        scope.runInScope(async () => {
          const s = scope.getSession();
          await s.execute("INSERT INTO log VALUES (?, 1)", [i]);
          await sleep(5);
          await s.execute("INSERT INTO log VALUES (?, 2)", [i]);
        }),
      ),
    );
    const rows = await scope.runInScope(() =>
      scope.getSession().select<{ scope: number }>("SELECT scope FROM log ORDER BY rowid"),
    );
    // Scope by scope, never interleaved: the one connection is held by one scope at a time.
    expect(rows.map((r) => r.scope)).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it("refuses a second connection when pool.max is raised, instead of handing out a second empty database", async () => {
    const scope = new SQLScope().add(sqlite({ filename: ":memory:" }), {
      commit: "autocommit",
      pool: { max: 2, acquireTimeoutMs: 300 },
    });
    db = scope;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = scope.runInScope(async () => {
      await scope.getSession().selectValue("SELECT 1");
      await held;
    });
    await sleep(5);
    const second = scope.runInScope(() => scope.getSession().selectValue("SELECT 1"));
    const error = await second.then(
      () => undefined,
      (e: unknown) => e,
    );
    release();
    await first;
    expect(error).toBeInstanceOf(PoolTimeoutError);
    expect(String((error as Error).message)).toMatch(/:memory:/);
  });
});
