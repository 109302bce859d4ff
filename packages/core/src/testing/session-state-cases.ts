import { randomInt } from "node:crypto";

/** The commit modes a state can be set in (SQLite refuses PRAGMA foreign_keys and ATTACH inside a transaction). */
export type StateMode = "manual" | "autocommit";

/** One kind of session state a scope can leave on its connection, and how to see it. */
export interface SessionStateCase {
  /** Shown in the test name: "SET ROLE", "a TEMP table", ... */
  readonly name: string;
  /** Statements that set it, run with execute() in one scope. */
  readonly set: readonly string[];
  /** A query whose one value differs while the state is in effect (compared as text). */
  readonly probe: string;
  /** Where the state can be set at all. Default: both modes. */
  readonly modes?: readonly StateMode[];
}

/** What the session-state checks run against one database. */
export interface SessionStateCatalog {
  /** Statements run once before the checks (a role to switch to), in manual mode. */
  readonly setup: readonly string[];
  readonly cases: readonly SessionStateCase[];
}

// Names that must not collide with another suite running on the same server at the same time.
const token = randomInt(1, 2 ** 31 - 1);

const POSTGRES: SessionStateCatalog = {
  setup: [
    "DO $$ BEGIN CREATE ROLE sqlscope_conformance_low NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
  ],
  cases: [
    { name: "SET ROLE", set: ["SET ROLE sqlscope_conformance_low"], probe: "SELECT current_user" },
    {
      name: "SET SESSION AUTHORIZATION",
      set: ["SET SESSION AUTHORIZATION sqlscope_conformance_low"],
      probe: "SELECT session_user",
    },
    { name: "SET search_path", set: ["SET search_path = pg_catalog"], probe: "SELECT current_setting('search_path')" },
    {
      name: "SET behind a comment",
      set: ["/* tenant */ -- and why\nSET app.commented = 'b'"],
      probe: "SELECT coalesce(current_setting('app.commented', true), '')",
    },
    {
      name: "set_config in a DO block",
      set: ["DO $$ BEGIN PERFORM set_config('app.in_block', '5', false); END $$"],
      probe: "SELECT coalesce(current_setting('app.in_block', true), '')",
    },
    {
      name: "a custom setting with SET (app.tenant_id)",
      set: ["SET app.tenant_id = 'a'"],
      probe: "SELECT coalesce(current_setting('app.tenant_id', true), '')",
    },
    {
      name: "a custom setting with set_config(..., false)",
      set: ["SELECT set_config('app.user_id', '42', false)"],
      probe: "SELECT coalesce(current_setting('app.user_id', true), '')",
    },
    {
      name: "SET SESSION CHARACTERISTICS (read only)",
      set: ["SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"],
      probe: "SELECT current_setting('default_transaction_read_only')",
    },
    {
      name: "a TEMP table",
      set: ["CREATE TEMP TABLE sqc_state_tmp (x int)"],
      probe: "SELECT to_regclass('pg_temp.sqc_state_tmp') IS NOT NULL",
    },
    {
      name: "a session advisory lock",
      set: [`SELECT pg_try_advisory_lock(${token})`],
      probe: "SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
    },
    {
      name: "PREPARE",
      set: ["PREPARE sqc_state_stmt AS SELECT 1"],
      probe: "SELECT count(*)::int FROM pg_prepared_statements WHERE name = 'sqc_state_stmt'",
    },
    // LISTEN inside a transaction takes effect at its commit, out of sight of the scope that ran it.
    {
      name: "LISTEN",
      set: ["LISTEN sqc_state_channel"],
      probe: "SELECT count(*)::int FROM pg_listening_channels()",
      modes: ["manual"],
    },
    {
      name: "a cursor WITH HOLD",
      set: ["DECLARE sqc_state_cursor CURSOR WITH HOLD FOR SELECT 1"],
      probe: "SELECT count(*)::int FROM pg_cursors WHERE name = 'sqc_state_cursor'",
      modes: ["autocommit"],
    },
  ],
};

// SQLite probes are SELECTs (pragma_x() rather than PRAGMA x): a probe the driver counts as changing the
// connection would get it reopened and hide whether the statement under test was seen.
const SQLITE: SessionStateCatalog = {
  setup: [],
  cases: [
    // SQLite ignores PRAGMA foreign_keys and refuses ATTACH inside a transaction: manual mode only.
    {
      name: "PRAGMA foreign_keys = OFF",
      set: ["PRAGMA foreign_keys = OFF"],
      probe: "SELECT * FROM pragma_foreign_keys()",
      modes: ["manual"],
    },
    {
      name: "PRAGMA query_only = ON",
      set: ["PRAGMA query_only = ON"],
      probe: "SELECT * FROM pragma_query_only()",
      modes: ["manual"],
    },
    {
      name: "PRAGMA busy_timeout",
      set: ["PRAGMA busy_timeout = 60000"],
      probe: "SELECT * FROM pragma_busy_timeout()",
      modes: ["manual"],
    },
    {
      name: "PRAGMA recursive_triggers",
      set: ["PRAGMA recursive_triggers = ON"],
      probe: "SELECT * FROM pragma_recursive_triggers()",
      modes: ["manual"],
    },
    {
      name: "ATTACH",
      set: ["ATTACH DATABASE ':memory:' AS sqc_state_attached"],
      probe: "SELECT count(*) FROM pragma_database_list WHERE name = 'sqc_state_attached'",
      modes: ["manual"],
    },
    {
      name: "a TEMP table",
      set: ["CREATE TEMP TABLE sqc_state_tmp (x)"],
      probe: "SELECT count(*) FROM sqlite_temp_master WHERE name = 'sqc_state_tmp'",
    },
    {
      name: "a TEMP table behind a comment",
      set: ["/* setup */ CREATE TEMP TABLE sqc_state_tmp2 (x)"],
      probe: "SELECT count(*) FROM sqlite_temp_master WHERE name = 'sqc_state_tmp2'",
    },
  ],
};

const DUCKDB: SessionStateCatalog = {
  setup: ["CREATE SCHEMA IF NOT EXISTS sqc_state_schema"],
  cases: [
    {
      name: "SET VARIABLE",
      set: ["SET VARIABLE sqc_state_var = 42"],
      probe: "SELECT coalesce(getvariable('sqc_state_var'), 0)",
    },
    {
      name: "SET search_path",
      set: ["SET search_path = 'sqc_state_schema'"],
      probe: "SELECT current_setting('search_path')",
    },
    {
      name: "a TEMP table",
      set: ["CREATE TEMP TABLE sqc_state_tmp (x INTEGER)"],
      probe: "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'sqc_state_tmp'",
    },
    {
      name: "a TEMP macro behind a comment",
      set: ["/* helper */ CREATE TEMP MACRO sqc_state_macro(x) AS x + 1"],
      probe: "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'sqc_state_macro'",
    },
  ],
};

// The MySQL probes read information_schema, never @ variables: a probe that mentions one would itself
// mark the connection for a reset and hide the statement the check is about.
const userVariable = (name: string) =>
  `SELECT coalesce((SELECT VARIABLE_VALUE FROM information_schema.USER_VARIABLES WHERE VARIABLE_NAME = '${name}'), '0')`;
const sessionVariable = (name: string) =>
  `SELECT VARIABLE_VALUE FROM information_schema.SESSION_VARIABLES WHERE VARIABLE_NAME = '${name}'`;

const MYSQL: SessionStateCatalog = {
  // A TEMPORARY table hides the permanent table of its name: counting rows shows which one a scope sees.
  setup: ["CREATE TABLE IF NOT EXISTS sqc_state_tmp (x INT)"],
  cases: [
    { name: "a user variable", set: ["SET @sqc_state = 42"], probe: userVariable("sqc_state") },
    { name: "SET SESSION", set: ["SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'"], probe: sessionVariable("SQL_MODE") },
    {
      name: "SET behind a /* */ comment",
      set: ["/* app */ SET SESSION wait_timeout = 12345"],
      probe: sessionVariable("WAIT_TIMEOUT"),
    },
    {
      name: "SET behind a -- comment",
      set: ["-- x\nSET sql_mode = 'ANSI_QUOTES'"],
      probe: sessionVariable("SQL_MODE"),
    },
    { name: "SET behind a # comment", set: ["# x\nSET @sqc_hash = 7"], probe: userVariable("sqc_hash") },
    {
      name: "GET_LOCK/**/(",
      set: [`SELECT GET_LOCK/**/('sqc_state_${token}', 0)`],
      probe: `SELECT coalesce(IS_USED_LOCK('sqc_state_${token}') = CONNECTION_ID(), 0)`,
    },
    {
      name: "a TEMPORARY table",
      set: ["CREATE TEMPORARY TABLE sqc_state_tmp AS SELECT 1 AS x"],
      probe: "SELECT count(*) FROM sqc_state_tmp",
    },
    { name: "USE", set: ["USE information_schema"], probe: "SELECT DATABASE()" },
  ],
};

const CATALOGS: Readonly<Record<string, SessionStateCatalog>> = {
  postgres: POSTGRES,
  sqlite: SQLITE,
  duckdb: DUCKDB,
  mysql: MYSQL,
};

/** The built-in cases for a driver name; none for drivers this suite does not know. */
export function sessionStateCatalog(driver: string): SessionStateCatalog {
  return CATALOGS[driver] ?? { setup: [], cases: [] };
}
