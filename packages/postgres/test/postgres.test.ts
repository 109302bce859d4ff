import {
  CommitFailedError,
  ConnectionError,
  ConstraintError,
  getSession,
  QueryError,
  SerializationError,
  SQLScope,
  type AddOptions,
} from "@sqlscope/core";
import { postgresTestUrl } from "@sqlscope/test-support";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgres, type PostgresOptions } from "../src/index.ts";
import { createTestDatabase, eventually, type TestDatabase } from "./helpers.ts";

const serverUrl = postgresTestUrl();

describe.skipIf(serverUrl === undefined)("@sqlscope/postgres against a real server", () => {
  let tdb: TestDatabase;
  const registries: SQLScope[] = [];

  function open(add: AddOptions = {}, options: Partial<PostgresOptions> = {}): SQLScope {
    const db = new SQLScope({ onWarning: () => undefined }).add(postgres({ connectionString: tdb.url, ...options }), {
      commit: "autocommit",
      ...add,
    });
    registries.push(db);
    return db;
  }

  beforeAll(async () => {
    tdb = await createTestDatabase(serverUrl as string, "pgdriver");
    const db = open();
    await db.runInScope(() =>
      getSession().executeScript(`
        CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE NOT NULL, age int CHECK (age >= 0));
        CREATE TABLE posts (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id));
        CREATE TABLE counters (id int PRIMARY KEY, v int NOT NULL);
        INSERT INTO counters VALUES (1, 0), (2, 0);
      `),
    );
  });

  afterAll(async () => {
    for (const db of registries) await db.close();
    await tdb?.drop();
  });

  it("runs statements with ? and :name placeholders, leaves :: casts alone, reports rows and no lastInsertId", async () => {
    const db = open();
    await db.runInScope(async () => {
      const s = getSession();
      const inserted = await s.execute<{ id: number }>("INSERT INTO users (email, age) VALUES (?, ?) RETURNING id", [
        "a@x",
        30,
      ]);
      expect(inserted.rowsAffected).toBe(1);
      expect(inserted.lastInsertId).toBeUndefined();
      expect(inserted.rows[0]?.id).toBeGreaterThan(0);
      const row = await s.selectOne<{ email: string; age: string }>(
        "SELECT email, age::text AS age FROM users WHERE email = :email AND age = :age",
        { email: "a@x", age: 30 },
      );
      expect(row).toEqual({ email: "a@x", age: "30" });
    });
    const count = await db.runInScope(() =>
      getSession().selectValue<number>("SELECT count(*)::int FROM users WHERE email = 'a@x'"),
    );
    expect(count).toBe(1);
  });

  it("classifies unique, foreign key, not null and check violations", async () => {
    const db = open();
    const kindOf = (sqlText: string, params: unknown[]) =>
      db
        .runInScope(() => getSession().execute(sqlText, params))
        .then(
          () => "no error",
          (error: unknown) =>
            error instanceof ConstraintError ? error.constraint : `not a ConstraintError: ${String(error)}`,
        );
    await db.runInScope(() => getSession().execute("INSERT INTO users (email) VALUES ('dup@x')"));
    expect(await kindOf("INSERT INTO users (email) VALUES (?)", ["dup@x"])).toBe("unique");
    expect(await kindOf("INSERT INTO posts (user_id) VALUES (?)", [999_999])).toBe("foreign_key");
    expect(await kindOf("INSERT INTO users (email) VALUES (?)", [null])).toBe("not_null");
    expect(await kindOf("INSERT INTO users (email, age) VALUES (?, ?)", ["neg@x", -1])).toBe("check");
  });

  it("turns a concurrent update under REPEATABLE READ (40001) into a retryable SerializationError", async () => {
    const db = open({}, {});
    let error: unknown;
    await db
      .runInScope(async () => {
        const s = getSession();
        await s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        await s.select("SELECT * FROM counters WHERE id = 1"); // takes the snapshot
        await db.runInScope(() => getSession().execute("UPDATE counters SET v = v + 1 WHERE id = 1"), {
          isolated: true,
        });
        await s.execute("UPDATE counters SET v = v + 10 WHERE id = 1");
      })
      .catch((e: unknown) => {
        error = e;
      });
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as SerializationError).retryable).toBe(true);
    expect(await db.runInScope(() => getSession().selectValue("SELECT v FROM counters WHERE id = 1"))).toBe(1);
  });

  it("turns a deadlock (40P01) into a retryable SerializationError and the other side commits", async () => {
    const db = open({ pool: { max: 2 } });
    let aLocked!: () => void;
    let bLocked!: () => void;
    const aReady = new Promise<void>((r) => (aLocked = r));
    const bReady = new Promise<void>((r) => (bLocked = r));
    const side = (first: number, second: number, mark: () => void, other: Promise<void>) =>
      db.runInScope(async () => {
        const s = getSession();
        // Superuser-only setting, fine on the throwaway cluster: finds the deadlock in 50 ms, not 1 s.
        await s.execute("SET LOCAL deadlock_timeout = '50ms'");
        await s.execute("UPDATE counters SET v = v + 1 WHERE id = ?", [first]);
        mark();
        await other;
        await s.execute("UPDATE counters SET v = v + 1 WHERE id = ?", [second]);
      });
    const results = await Promise.allSettled([side(1, 2, aLocked, bReady), side(2, 1, bLocked, aReady)]);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBeInstanceOf(SerializationError);
    expect((rejected[0]?.reason as SerializationError).cause).toMatchObject({ code: "40P01" });
  });

  it("fails the commit instead of reporting success when PostgreSQL turns COMMIT into ROLLBACK", async () => {
    const db = open();
    const outcome = db.runInScope(async () => {
      const s = getSession();
      await s.execute("INSERT INTO users (email) VALUES ('lost@x')");
      // A caught error leaves the transaction aborted; COMMIT would silently roll back.
      await s.execute("SELECT 1/0").catch(() => undefined);
    });
    await expect(outcome).rejects.toBeInstanceOf(CommitFailedError);
    expect(
      await db.runInScope(() => getSession().selectValue("SELECT count(*)::int FROM users WHERE email = 'lost@x'")),
    ).toBe(0);
  });

  it("never pools a client left in an open or aborted transaction behind the session's back", async () => {
    const db = open({ commit: "manual", pool: { max: 1 } });
    const pid1 = await db.runInScope(async () => {
      const raw = await getSession().connection<pg.Client>();
      await raw.query("BEGIN");
      await raw.query("INSERT INTO users (email) VALUES ('raw@x')");
      return (await raw.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
    });
    const after = await db.runInScope(async () => {
      const raw = await getSession().connection<pg.Client>();
      const pid = (await raw.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
      return {
        pid,
        status: raw.getTransactionStatus(),
        rows: await getSession().selectValue("SELECT count(*)::int FROM users WHERE email = 'raw@x'"),
      };
    });
    expect(after).toEqual({ pid: pid1, status: "I", rows: 0 }); // same client, rolled back on return

    await db.runInScope(async () => {
      const raw = await getSession().connection<pg.Client>();
      await raw.query("BEGIN");
      await raw.query("SELECT 1/0").catch(() => undefined);
      await expect(raw.query("SELECT 1")).rejects.toMatchObject({ code: "25P02" }); // aborted, not merely open
    });
    const status = await db.runInScope(async () => (await getSession().connection<pg.Client>()).getTransactionStatus());
    expect(status).toBe("I");
  });

  it("survives pg_terminate_backend of an idle pooled client and hands out a fresh one", async () => {
    const db = open({ pool: { max: 1, validateAfterIdleMs: 0 } });
    let raw!: pg.Client;
    const pid1 = await db.runInScope(async () => {
      raw = await getSession().connection<pg.Client>();
      return getSession().selectValue<number>("SELECT pg_backend_pid()");
    });
    const ended = new Promise<void>((resolve) => raw.once("end", () => resolve()));
    // Only our driver's 'error' listener is on this client: without it the FATAL 57P01 crashes the test run.
    await tdb.admin.query("SELECT pg_terminate_backend($1)", [pid1]);
    await ended;
    const pid2 = await db.runInScope(() => getSession().selectValue<number>("SELECT pg_backend_pid()"));
    expect(pid2).not.toBe(pid1);
    expect(db.stats().size).toBe(1);
  });

  it("destroys a borrowed client that was terminated and fails its scope with a retryable ConnectionError", async () => {
    const db = open({ pool: { max: 1 } });
    let pid1 = 0;
    const outcome = db.runInScope(async () => {
      const s = getSession();
      pid1 = await s.selectValue<number>("SELECT pg_backend_pid()");
      await tdb.admin.query("SELECT pg_terminate_backend($1)", [pid1]);
      await eventually(
        async () => (await tdb.admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [pid1])).rowCount === 0,
        "backend gone",
      );
      await s.execute("INSERT INTO users (email) VALUES ('never@x')");
    });
    await expect(outcome).rejects.toBeInstanceOf(ConnectionError);
    await expect(outcome).rejects.toMatchObject({ retryable: true });
    const pid2 = await db.runInScope(() => getSession().selectValue<number>("SELECT pg_backend_pid()"));
    expect(pid2).not.toBe(pid1);
    expect(db.stats()).toMatchObject({ size: 1, borrowed: 0 });
  });

  it("applies statementTimeoutMs, lockTimeoutMs and applicationName to every connection", async () => {
    const db = open(
      { pool: { max: 2 } },
      { statementTimeoutMs: 150, lockTimeoutMs: 200, applicationName: "sqlscope-test" },
    );
    const settings = await db.runInScope(() =>
      getSession().selectOne(
        "SELECT current_setting('statement_timeout') AS st, current_setting('lock_timeout') AS lt, current_setting('application_name') AS app",
      ),
    );
    expect(settings).toEqual({ st: "150ms", lt: "200ms", app: "sqlscope-test" });
    const slow = db.runInScope(() => getSession().execute("SELECT pg_sleep(5)"));
    await expect(slow).rejects.toBeInstanceOf(QueryError);
    await expect(slow).rejects.toMatchObject({ driverCode: "57014" });
  });

  it("turns a lock_timeout (55P03) into a retryable SerializationError", async () => {
    const db = open({ pool: { max: 2 } }, { lockTimeoutMs: 100 });
    let release!: () => void;
    let locked!: () => void;
    const holding = new Promise<void>((r) => (locked = r));
    const holder = db.runInScope(async () => {
      await getSession().execute("UPDATE counters SET v = v WHERE id = 2");
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await holding;
    const waiter = db.runInScope(() => getSession().execute("UPDATE counters SET v = v + 1 WHERE id = 2"), {
      isolated: true,
    });
    await expect(waiter).rejects.toBeInstanceOf(SerializationError);
    await expect(waiter).rejects.toMatchObject({ cause: { code: "55P03" } });
    release();
    await holder;
  });

  it("streams a large result through a cursor and leaves the connection usable after an early break", async () => {
    const db = open({ pool: { max: 1 } }, { streamBatchSize: 7 });
    await db.runInScope(async () => {
      const s = getSession();
      let sum = 0;
      let n = 0;
      for await (const row of s.stream<{ i: number }>("SELECT i FROM generate_series(1, ?::int) AS i", [1000])) {
        sum += row.i;
        n++;
      }
      expect({ n, sum }).toEqual({ n: 1000, sum: 500_500 });
      let seen = 0;
      for await (const row of s.stream<{ i: number }>("SELECT i FROM generate_series(1, 1000) AS i")) {
        seen = row.i;
        if (seen === 15) break;
      }
      expect(seen).toBe(15);
      expect(await s.selectValue("SELECT 42")).toBe(42);
    });
  });

  it("types: its type parsers apply to this driver's results and streams only, not to other pg clients", async () => {
    const types = new pg.TypeOverrides();
    types.setTypeParser(pg.types.builtins.INT8, (text) => BigInt(text));
    const db = open({}, { types });
    await db.runInScope(async () => {
      const s = getSession();
      expect(await s.selectValue("SELECT count(*) FROM generate_series(1, 3)")).toBe(3n);
      expect(await s.selectOne("SELECT 9007199254740993::int8 AS big, 1.5::numeric AS n")).toEqual({
        big: 9007199254740993n,
        n: "1.5",
      });
      const streamed: unknown[] = [];
      for await (const row of s.stream<{ i: unknown }>("SELECT i::int8 AS i FROM generate_series(1, 2) AS i"))
        streamed.push(row.i);
      expect(streamed).toEqual([1n, 2n]);
    });
    // Another driver of the same process keeps pg's defaults.
    expect(await open().runInScope(() => getSession().selectValue("SELECT count(*) FROM generate_series(1, 3)"))).toBe(
      "3",
    );
    expect(() => postgres({ connectionString: tdb.url, types: {} as pg.CustomTypesConfig })).toThrow(/getTypeParser/);
  });

  it("nests transaction(fn) as a savepoint that rolls back alone", async () => {
    const db = open();
    await db.runInScope(async () => {
      const s = getSession();
      await s.execute("INSERT INTO users (email) VALUES ('outer@x')");
      await s
        .transaction(async () => {
          await s.execute("INSERT INTO users (email) VALUES ('inner@x')");
          throw new Error("undo inner");
        })
        .catch(() => undefined);
    });
    const emails = await db.runInScope(() =>
      getSession().select<{ email: string }>("SELECT email FROM users WHERE email IN ('outer@x', 'inner@x')"),
    );
    expect(emails).toEqual([{ email: "outer@x" }]);
  });
});
