// What pooler: "transaction" lets through and what it refuses, without a server (the refusals against
// a real PgBouncer: pgbouncer.test.ts).
import { UnsupportedError } from "@sqlscope/core";
import { describe, expect, it } from "vitest";
import { poolerSettings, refuseSessionState } from "../src/pooler.ts";

describe("refuseSessionState", () => {
  it.each([
    "UPDATE t SET x = 1 WHERE id = $1",
    "INSERT INTO t (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET x = 2",
    "SET LOCAL statement_timeout = 100",
    "set transaction isolation level serializable",
    "SET CONSTRAINTS ALL DEFERRED",
    "SELECT pg_advisory_xact_lock(1)",
    "CREATE TEMPORARY TABLE x (n int) ON COMMIT DROP",
    "SELECT 'reset' AS word, listen_count FROM stats",
    "DECLARE c CURSOR FOR SELECT 1",
  ])("lets through: %s", (sql) => {
    expect(() => refuseSessionState(sql)).not.toThrow();
  });

  it.each([
    "set search_path to app",
    "  SET ROLE admin",
    "BEGIN; SET statement_timeout = 5",
    "select pg_advisory_unlock_all()",
    "CREATE GLOBAL TEMP TABLE x (n int)",
    "DISCARD ALL",
    "UNLISTEN *",
    "EXECUTE q(1)",
  ])("refuses: %s", (sql) => {
    expect(() => refuseSessionState(sql)).toThrow(UnsupportedError);
  });
});

describe("poolerSettings", () => {
  it("puts the timeouts after BEGIN in one message", () => {
    expect(poolerSettings([["statement_timeout", 5000]])).toEqual({
      begin: "BEGIN; SET LOCAL statement_timeout = 5000",
      beginReadOnly: "BEGIN READ ONLY; SET LOCAL statement_timeout = 5000",
    });
    expect(poolerSettings([]).begin).toBe("BEGIN");
  });
});
