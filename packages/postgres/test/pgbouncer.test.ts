// The driver through a real PgBouncer in transaction pooling mode (started by the test setup): the
// conformance suite as is and with pooler: "transaction"; timeouts sent as SET LOCAL instead of the
// startup parameters PgBouncer refuses; statements that would leave state in a shared server session
// refused before they are sent, and why (a session SET does reach another client).
import { getSession, QueryError, SQLScope, UnsupportedError } from "@sqlscope/core";
import { runDriverConformance } from "@sqlscope/core/testing";
import { pgbouncerTestUrl, postgresTestUrl } from "@sqlscope/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgres, type PostgresOptions } from "../src/index.ts";
import { createTestDatabase, type TestDatabase } from "./helpers.ts";
import { postgresValues } from "./values.ts";

const bouncer = pgbouncerTestUrl();
const serverUrl = postgresTestUrl();

describe.skipIf(bouncer === undefined)("postgres through PgBouncer (transaction pooling)", () => {
  runDriverConformance({
    name: "postgres via pgbouncer",
    makeDriver: () => postgres({ connectionString: bouncer as string }),
    capabilities: { savepoints: true, lastInsertId: false, returning: true, castOperator: true },
    values: postgresValues,
    sql: { autoIncrementPk: "SERIAL PRIMARY KEY" },
  });
  runDriverConformance({
    name: 'postgres via pgbouncer, pooler: "transaction" with timeouts',
    makeDriver: () =>
      postgres({
        connectionString: bouncer as string,
        pooler: "transaction",
        statementTimeoutMs: 10_000,
        lockTimeoutMs: 5_000,
      }),
    capabilities: { savepoints: true, lastInsertId: false, returning: true, castOperator: true },
    values: postgresValues,
    sql: { autoIncrementPk: "SERIAL PRIMARY KEY" },
  });
});

describe.skipIf(bouncer === undefined || serverUrl === undefined)(
  'postgres({ pooler: "transaction" }) behind PgBouncer',
  () => {
    let tdb: TestDatabase;
    let url: string;
    const registries: SQLScope[] = [];

    function open(options: Partial<PostgresOptions> = {}, max = 4): SQLScope {
      const db = new SQLScope({ onWarning: () => undefined }).add(postgres({ connectionString: url, ...options }), {
        commit: "autocommit",
        pool: { max, acquireTimeoutMs: 3_000 },
      });
      registries.push(db);
      return db;
    }

    beforeAll(async () => {
      tdb = await createTestDatabase(serverUrl as string, "pgbouncer");
      const through = new URL(tdb.url);
      through.host = new URL(bouncer as string).host;
      url = through.toString();
      await open().runInScope(() => getSession().executeScript("CREATE TABLE marks (n int NOT NULL)"));
    });

    afterAll(async () => {
      for (const db of registries) await db.close();
      await tdb?.drop();
    });

    it("without it, timeouts as startup parameters are refused by PgBouncer at connect", async () => {
      const db = open({ statementTimeoutMs: 1_000, connectTimeoutMs: 2_000 });
      const error = await db.runInScope(() => getSession().selectValue("SELECT 1")).catch((e: unknown) => e);
      expect(String((error as { cause?: unknown }).cause ?? error)).toMatch(
        /unsupported startup parameter: statement_timeout/,
      );
    });

    it("with it, the timeouts hold in every transaction (SET LOCAL with each BEGIN)", async () => {
      const db = open({
        pooler: "transaction",
        statementTimeoutMs: 300,
        lockTimeoutMs: 200,
        idleInTransactionTimeoutMs: 60_000,
      });
      await db.runInScope(async () => {
        const s = getSession();
        expect(await s.selectValue("SELECT current_setting('statement_timeout')")).toBe("300ms");
        expect(await s.selectValue("SELECT current_setting('lock_timeout')")).toBe("200ms");
        expect(await s.selectValue("SELECT current_setting('idle_in_transaction_session_timeout')")).toBe("1min");
      });
      const slow = await db.runInScope(() => getSession().execute("SELECT pg_sleep(2)")).catch((e: unknown) => e);
      expect(slow).toBeInstanceOf(QueryError);
      expect((slow as QueryError).driverCode).toBe("57014"); // query_canceled by statement_timeout
    });

    it("why session state is refused: a session SET through PgBouncer reaches another client", async () => {
      // One server connection behind PgBouncer, two clients taking turns on it. Without the DISCARD ALL
      // on release (which behind PgBouncer resets whichever server session it is given, not necessarily
      // the one the scope used), a's setting is b's.
      const a = open({ resetOnRelease: false }, 1);
      const b = open({ resetOnRelease: false }, 1);
      const pidA = await a.runInScope(async () => {
        await getSession().execute("SET statement_timeout = 4321");
        return getSession().selectValue<number>("SELECT pg_backend_pid()");
      });
      const seen = await b.runInScope(async () => ({
        pid: await getSession().selectValue<number>("SELECT pg_backend_pid()"),
        timeout: await getSession().selectValue<string>("SELECT current_setting('statement_timeout')"),
      }));
      // PgBouncer hands out its most recently used server session (server_round_robin = 0): b gets a's,
      // and a's setting with it.
      expect(seen.pid).toBe(pidA);
      expect(seen.timeout).toBe("4321ms");
      await a.runInScope(() => getSession().executeScript("RESET statement_timeout"));
    });

    it("refuses resetOnRelease: true with it, saying why", () => {
      expect(() => postgres({ connectionString: url, pooler: "transaction", resetOnRelease: true })).toThrow(
        /DISCARD ALL runs on whichever server session/,
      );
      expect(() => postgres({ connectionString: url, pooler: "session" as "transaction" })).toThrow(
        /must be "transaction"/,
      );
    });

    it.each([
      ["SET search_path = public", /Use SET LOCAL/],
      ["SET SESSION statement_timeout = 5", /Use SET LOCAL/],
      ["RESET ALL", /RESET and DISCARD/],
      ["LISTEN jobs", /LISTEN needs a session/],
      ["PREPARE q AS SELECT 1", /prepared statements/],
      ["SELECT pg_advisory_lock(42)", /pg_advisory_xact_lock/],
      ["SELECT pg_try_advisory_lock_shared(42)", /pg_advisory_xact_lock/],
      ["CREATE TEMP TABLE scratch (n int)", /ON COMMIT DROP/],
      ["DECLARE c CURSOR WITH HOLD FOR SELECT 1", /WITH HOLD/],
    ])("refuses %s before sending it, saying what to do", async (sql, fix) => {
      const db = open({ pooler: "transaction" });
      const error = await db.runInScope(() => getSession().execute(sql)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(fix);
      expect((error as Error).message).toMatch(/transaction-pooling PgBouncer/);
    });

    it("refuses it in a script too, and nothing of the script runs", async () => {
      const db = open({ pooler: "transaction" });
      const before = await db.runInScope(() => getSession().selectValue<number>("SELECT count(*)::int FROM marks"));
      await expect(
        db.runInScope(() => getSession().executeScript("INSERT INTO marks VALUES (1); SET search_path = x")),
      ).rejects.toBeInstanceOf(UnsupportedError);
      expect(await db.runInScope(() => getSession().selectValue<number>("SELECT count(*)::int FROM marks"))).toBe(
        before,
      );
    });

    it("what works per transaction still works: SET LOCAL, transaction advisory locks, TEMP ... ON COMMIT DROP", async () => {
      const db = open({ pooler: "transaction" });
      await db.runInScope(async () => {
        const s = getSession();
        await s.execute("SET LOCAL search_path = public");
        await s.selectValue("SELECT pg_advisory_xact_lock(42)");
        await s.execute("CREATE TEMP TABLE scratch (n int) ON COMMIT DROP");
        await s.execute("INSERT INTO scratch VALUES (1)");
        expect(await s.selectValue<number>("SELECT count(*)::int FROM scratch")).toBe(1);
        expect(await s.selectValue("SELECT current_setting('search_path')")).toBe("public");
      });
    });
  },
);
