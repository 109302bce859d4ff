// Which statement texts make resetOnRelease "auto" reset the connection, without a server (what a
// reset then undoes, against a real one: reset.test.ts and the conformance's session-state group).
import { describe, expect, it } from "vitest";
import { mayChangeSession } from "../src/session-text.ts";

describe("mayChangeSession", () => {
  it.each([
    "SELECT * FROM users WHERE id = $1",
    "UPDATE t SET x = 1 WHERE id = $1",
    "INSERT INTO t (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET x = 2",
    "SET LOCAL statement_timeout = 100",
    "set transaction isolation level serializable",
    "SET CONSTRAINTS ALL DEFERRED",
    "SELECT pg_advisory_xact_lock(1)",
    "SELECT 'SET role admin', 'set_config' AS word",
    "-- SET role admin\nSELECT 1",
    "/* outer /* SET role admin */ still a comment */ SELECT 1",
    "SELECT * FROM temp_readings, temporary_users",
    'SELECT "SET" FROM t',
    'SELECT "SET_CONFIG"(1)',
  ])("no reset for: %s", (sql) => {
    expect(mayChangeSession(sql)).toBe(false);
  });

  it.each([
    "SET search_path = app",
    "  set role admin",
    "/* tenant */ SET app.tenant = 'a'",
    "-- why\nSET statement_timeout = 5",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
    "SET TIME ZONE 'UTC'",
    "RESET ALL",
    "DISCARD PLANS",
    "LISTEN jobs",
    "PREPARE q AS SELECT 1",
    "EXECUTE q",
    "DEALLOCATE q",
    "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
    "LOAD 'auto_explain'",
    "CALL refresh_everything()",
    "DO $$ BEGIN PERFORM 1; END $$",
    "SELECT set_config('app.user', $1, false)",
    "SELECT pg_catalog.set_config('app.user', $1, false)",
    "SELECT \"set_config\"('app.user', $1, false)",
    "WITH l AS (SELECT pg_try_advisory_lock(7)) SELECT * FROM l",
    "SELECT pg_advisory_lock_shared(1)",
    "CREATE TEMP TABLE scratch (n int)",
    "CREATE GLOBAL TEMPORARY TABLE scratch (n int)",
    "SELECT dblink_connect('other', 'dbname=x')",
  ])("resets after: %s", (sql) => {
    expect(mayChangeSession(sql)).toBe(true);
  });

  it("gives the same verdict from its cache", () => {
    const sql = "SET app.cached = 1";
    expect(mayChangeSession(sql)).toBe(true);
    expect(mayChangeSession(sql)).toBe(true);
    expect(mayChangeSession("SELECT 1 AS cached")).toBe(false);
  });
});
