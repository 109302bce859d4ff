import diagnostics from "node:diagnostics_channel";
import {
  CHANNELS,
  getSession,
  ParameterError,
  QueryError,
  SQLScope,
  UnsupportedError,
  type AddOptions,
  type QueryMessage,
} from "@sqlscope/core";
import { postgresTestUrl } from "@sqlscope/test-support";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgres, type PostgresOptions } from "../src/index.ts";
import { createTestDatabase, type TestDatabase } from "./helpers.ts";

const serverUrl = postgresTestUrl();

describe.skipIf(serverUrl === undefined)(
  "@sqlscope/postgres: one statement per call, bounded parameters, clean connections",
  () => {
    let tdb: TestDatabase;
    const registries: SQLScope[] = [];

    function open(add: AddOptions = {}, options: Partial<PostgresOptions> = {}): SQLScope {
      const db = new SQLScope({ onWarning: () => undefined }).add(postgres({ connectionString: tdb.url, ...options }), {
        commit: "manual",
        ...add,
      });
      registries.push(db);
      return db;
    }

    beforeAll(async () => {
      tdb = await createTestDatabase(serverUrl as string, "pgsecurity");
      await open().runInScope(() => getSession().executeScript("CREATE TABLE marks (n int NOT NULL)"));
    });

    afterAll(async () => {
      for (const db of registries) await db.close();
      await tdb?.drop();
    });

    const count = (db: SQLScope) =>
      db.runInScope(() => getSession().selectValue<number>("SELECT count(*)::int FROM marks"));

    it("a text with two statements fails with a clear error and runs neither, with or without parameters", async () => {
      const db = open();
      const before = await count(db);
      await db.runInScope(async () => {
        const s = getSession();
        const twice = s.execute("INSERT INTO marks VALUES (1); INSERT INTO marks VALUES (2)");
        await expect(twice).rejects.toBeInstanceOf(UnsupportedError);
        await expect(twice).rejects.toThrow(/more than one statement.*executeScript/);
        await expect(s.select("SELECT 1; DELETE FROM marks")).rejects.toBeInstanceOf(UnsupportedError);
        await expect(
          s.execute("INSERT INTO marks VALUES (?); INSERT INTO marks VALUES (3)", [1]),
        ).rejects.toBeInstanceOf(UnsupportedError);
      });
      expect(await count(db)).toBe(before);
      // executeScript is the one method that runs several (trusted text only).
      await db.runInScope(() =>
        getSession().executeScript("INSERT INTO marks VALUES (1); INSERT INTO marks VALUES (2)"),
      );
      expect(await count(db)).toBe(before + 2);
    });

    it("more than 65,535 parameters is a ParameterError before anything is sent, not a retryable ConnectionError", async () => {
      const db = open();
      const values = Array.from({ length: 70_000 }, (_, i) => i);
      const outcome = db.runInScope(() =>
        getSession().select(`SELECT 1 WHERE 1 IN (${values.map(() => "?").join(", ")})`, values),
      );
      await expect(outcome).rejects.toBeInstanceOf(ParameterError);
      await expect(outcome).rejects.toMatchObject({
        retryable: false,
        message: expect.stringMatching(/70000 parameters.*65535/) as unknown,
      });
      // Nothing reached the server: no connection was even opened.
      expect(db.stats().size).toBe(0);
      // 65,535 is still fine.
      const most = values.slice(0, 65_535);
      expect(
        await db.runInScope(() =>
          getSession().selectValue(
            `SELECT count(*)::int FROM (VALUES ${most.map(() => "(?::int)").join(", ")}) v`,
            most,
          ),
        ),
      ).toBe(65_535);
    });

    it("the reset keeps what the connection was opened with, and pg's named statements keep working", async () => {
      const db = open({ pool: { max: 1 } }, { statementTimeoutMs: 4_321 });
      const pid = await db.runInScope(async () => {
        const s = getSession();
        await s.execute("SET statement_timeout = 1");
        const raw = await s.connection<pg.Client>();
        expect((await raw.query({ name: "sqc_named", text: "SELECT 1 AS one" })).rows).toEqual([{ one: 1 }]);
        return s.selectValue<number>("SELECT pg_backend_pid()");
      });
      await db.runInScope(async () => {
        const s = getSession();
        expect(await s.selectValue<number>("SELECT pg_backend_pid()")).toBe(pid); // the same connection, reset in place
        expect(await s.selectValue("SELECT current_setting('statement_timeout')")).toBe("4321ms");
        // pg thinks "sqc_named" is still parsed unless the reset told it otherwise: DISCARD ALL deallocated it.
        const raw = await s.connection<pg.Client>();
        expect((await raw.query({ name: "sqc_named", text: "SELECT 1 AS one" })).rows).toEqual([{ one: 1 }]);
      });
    });

    it("diagnostics events never carry a value the database repeats in its message, unless errorMessages is on", async () => {
      const secret = "secret-4711";
      const published: QueryMessage[] = [];
      const listen = (m: unknown) => published.push(m as QueryMessage);
      diagnostics.subscribe(CHANNELS.query, listen);
      try {
        const fail = (db: SQLScope) =>
          db.runInScope(() => getSession().selectValue("SELECT ?::int", [secret])).catch((e: unknown) => e);
        const thrown = await fail(open());
        // The caller still gets the database's own words...
        expect((thrown as Error).message).toContain(secret);
        // ...but what is published for traces and logs does not.
        const event = published.at(-1)?.error;
        expect(event).toBeInstanceOf(QueryError);
        expect(event).toMatchObject({ code: "ERR_SQLSCOPE_QUERY", driverCode: "22P02" });
        expect(`${event?.message} ${event?.stack} ${JSON.stringify(event)} ${String(event?.cause)}`).not.toContain(
          secret,
        );
        const verbose = new SQLScope({ onWarning: () => undefined, diagnostics: { errorMessages: true } }).add(
          postgres({ connectionString: tdb.url }),
        );
        registries.push(verbose);
        await fail(verbose);
        expect(published.at(-1)?.error?.message).toContain(secret);
      } finally {
        diagnostics.unsubscribe(CHANNELS.query, listen);
      }
    });

    it("resetOnRelease: false leaves session state in place (the documented trade-off)", async () => {
      const db = open({ pool: { max: 1 } }, { resetOnRelease: false });
      await db.runInScope(() => getSession().execute("SET application_name = 'left-behind'"));
      expect(await db.runInScope(() => getSession().selectValue("SELECT current_setting('application_name')"))).toBe(
        "left-behind",
      );
    });
  },
);
