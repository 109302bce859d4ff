// resetOnRelease against a real server: which scopes get a DISCARD ALL (seen from the side, as the
// backend's last statement in pg_stat_activity), and what "auto" catches that no statement text shows.
import { getSession, SQLScope, ConfigError } from "@sqlscope/core";
import { postgresTestUrl } from "@sqlscope/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgres, type PostgresOptions } from "../src/index.ts";
import { createTestDatabase, eventually, type TestDatabase } from "./helpers.ts";

const serverUrl = postgresTestUrl();

describe.skipIf(serverUrl === undefined)("@sqlscope/postgres resetOnRelease", () => {
  let tdb: TestDatabase;
  const registries: SQLScope[] = [];

  function open(options: Partial<PostgresOptions> = {}): SQLScope {
    const name = `sqc_reset_${registries.length}`;
    const db = new SQLScope({ onWarning: () => undefined }).add(
      postgres({ connectionString: tdb.url, applicationName: name, ...options }),
      { commit: "autocommit", pool: { max: 1 } },
    );
    registries.push(db);
    return db;
  }

  /** The pool's one backend. */
  const backend = (db: SQLScope) => db.runInScope(() => getSession().selectValue<number>("SELECT pg_backend_pid()"));

  /** The last statement `pid` ran, once `db` has its one connection back (after any reset). */
  async function lastStatement(db: SQLScope, pid: number): Promise<string> {
    await eventually(() => db.stats().idle === 1 && db.stats().borrowed === 0, "the connection back in the pool");
    const row = await tdb.admin.query<{ query: string; state: string }>(
      "SELECT query, state FROM pg_stat_activity WHERE pid = $1",
      [pid],
    );
    expect(row.rows[0]?.state).toBe("idle");
    return row.rows[0]?.query ?? "";
  }

  beforeAll(async () => {
    tdb = await createTestDatabase(serverUrl as string, "pgreset");
    await open().runInScope(() =>
      getSession().executeScript(`
        CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
        INSERT INTO items (id) SELECT g FROM generate_series(1, 10) g;
        -- Triggers that change the session where no statement text shows it.
        CREATE TABLE zoned (x int);
        CREATE FUNCTION set_zone() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN PERFORM set_config('TimeZone', 'Pacific/Chatham', false); RETURN NEW; END $$;
        CREATE TRIGGER zoned_set_zone BEFORE INSERT ON zoned FOR EACH ROW EXECUTE FUNCTION set_zone();
        CREATE TABLE timed (x int);
        CREATE FUNCTION set_timeout() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN PERFORM set_config('statement_timeout', '4321', false); RETURN NEW; END $$;
        CREATE TRIGGER timed_set_timeout BEFORE INSERT ON timed FOR EACH ROW EXECUTE FUNCTION set_timeout();
      `),
    );
  });

  afterAll(async () => {
    for (const db of registries) await db.close();
    await tdb?.drop();
  });

  it('"auto" (the default) sends no DISCARD ALL after scopes that only read and write rows', async () => {
    const db = open();
    const pid = await backend(db);
    for (let i = 1; i <= 5; i++) {
      await db.runInScope(async () => {
        const s = getSession();
        await s.execute("UPDATE items SET n = n + 1 WHERE id = ?", [i]);
        await s.select("SELECT * FROM items WHERE id = ?", [i]);
        await s.execute("SET LOCAL statement_timeout = 1000");
      });
    }
    expect(await lastStatement(db, pid)).toBe("COMMIT");
  });

  it('"auto" resets after a SET, and the next scope runs without it', async () => {
    const db = open();
    const pid = await backend(db);
    await db.runInScope(() => getSession().execute("SET work_mem = '7MB'"));
    expect(await lastStatement(db, pid)).toBe("DISCARD ALL");
    expect(await db.runInScope(() => getSession().selectValue("SELECT current_setting('work_mem')"))).not.toBe("7MB");
  });

  it('"auto" sees a trigger change a setting the server reports (TimeZone), from its ParameterStatus', async () => {
    const db = open();
    const before = await db.runInScope(() => getSession().selectValue("SELECT current_setting('TimeZone')"));
    const inside = await db.runInScope(async () => {
      await getSession().execute("INSERT INTO zoned VALUES (1)");
      return getSession().selectValue("SELECT current_setting('TimeZone')");
    });
    expect(inside).toBe("Pacific/Chatham");
    expect(await db.runInScope(() => getSession().selectValue("SELECT current_setting('TimeZone')"))).toBe(before);
  });

  it('"auto" cannot see a trigger change a setting the server does not report; true can (the documented trade-off)', async () => {
    const probe = (db: SQLScope) =>
      db.runInScope(() => getSession().selectValue<string>("SELECT current_setting('statement_timeout')"));
    const auto = open();
    await auto.runInScope(() => getSession().execute("INSERT INTO timed VALUES (1)"));
    expect(await probe(auto)).toBe("4321ms");
    const always = open({ resetOnRelease: true });
    const pid = await backend(always);
    await always.runInScope(() => getSession().execute("INSERT INTO timed VALUES (1)"));
    expect(await lastStatement(always, pid)).toBe("DISCARD ALL");
    expect(await probe(always)).toBe("0");
  });

  it("false never resets", async () => {
    const db = open({ resetOnRelease: false });
    const pid = await backend(db);
    await db.runInScope(() => getSession().execute("SET work_mem = '7MB'"));
    expect(await lastStatement(db, pid)).toBe("COMMIT");
  });

  it('refuses anything but true, false and "auto", saying which', () => {
    expect(() => postgres({ connectionString: tdb.url, resetOnRelease: "always" as never })).toThrow(ConfigError);
    expect(() => postgres({ connectionString: tdb.url, resetOnRelease: "always" as never })).toThrow(
      /"auto" \(the default\), true or false/,
    );
  });
});
