// What cleaning a connection on release costs, per driver: the same scope with the reset on and off
// (PostgreSQL, MySQL), and a scope that changes session state against one that does not (SQLite,
// DuckDB, MySQL "auto"). One process, one connection (pool.max 1), scopes run back to back; the
// figure is the median of several rounds, in microseconds of wall time per scope.
//
//   cd bench && node --conditions=@sqlscope/source --import tsx src/reset-cost.ts [postgres|mysql|sqlite|duckdb ...]
//
// PostgreSQL and MariaDB come from SQLSCOPE_PG_URL / SQLSCOPE_MYSQL_URL, or are started for the run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQLScope } from "@sqlscope/core";
import { type Driver } from "@sqlscope/core/driver";
import { duckdb } from "@sqlscope/duckdb";
import { mysql } from "@sqlscope/mysql";
import { postgres } from "@sqlscope/postgres";
import { sqlite } from "@sqlscope/sqlite";
import { median } from "./stats.ts";

type Mode = "manual" | "autocommit";
interface Variant {
  readonly label: string;
  readonly driver: () => Driver;
  readonly mode: Mode;
  /** Statements of one scope. */
  readonly statements: readonly string[];
}

const ROUNDS = 7;
const SCOPES = Number(process.env.RESET_COST_SCOPES ?? 1500);

async function measure(variant: Variant): Promise<number> {
  const db = new SQLScope({ onWarning: () => undefined }).add(variant.driver(), {
    commit: variant.mode,
    pool: { max: 1 },
  });
  const scope = () =>
    db.runInScope(async () => {
      for (const statement of variant.statements) await db.getSession().execute(statement);
    });
  try {
    for (let i = 0; i < 200; i++) await scope();
    const rounds: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < SCOPES; i++) await scope();
      rounds.push(Number(process.hrtime.bigint() - started) / SCOPES / 1000);
    }
    return median(rounds);
  } finally {
    await db.close();
  }
}

/** Runs the variants interleaved, round after round, so load from other processes hits them alike. */
async function compare(title: string, variants: readonly Variant[]): Promise<void> {
  const results = new Map<string, number[]>();
  for (let pass = 0; pass < 3; pass++) {
    for (const variant of variants) {
      const list = results.get(variant.label) ?? [];
      list.push(await measure(variant));
      results.set(variant.label, list);
    }
  }
  console.log(`\n${title}`);
  for (const variant of variants)
    console.log(`  ${variant.label.padEnd(58)} ${median(results.get(variant.label) ?? []).toFixed(1)} us/scope`);
}

async function serverUrl(kind: "postgres" | "mariadb"): Promise<{ url: string; stop: () => Promise<void> }> {
  const fromEnv = process.env[kind === "postgres" ? "SQLSCOPE_PG_URL" : "SQLSCOPE_MYSQL_URL"];
  if (fromEnv !== undefined && fromEnv !== "") return { url: fromEnv, stop: async () => undefined };
  const servers = await import("@sqlscope/test-support");
  const server = kind === "postgres" ? await servers.startPostgres() : await servers.startMariadb();
  return { url: server.url, stop: () => server.stop() };
}

const wanted = new Set(
  process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["postgres", "mysql", "sqlite", "duckdb"],
);
const SELECT = "SELECT 1 AS one";

if (wanted.has("postgres")) {
  const pg = await serverUrl("postgres");
  try {
    const always = () => postgres({ connectionString: pg.url, resetOnRelease: true });
    const auto = () => postgres({ connectionString: pg.url });
    const off = () => postgres({ connectionString: pg.url, resetOnRelease: false });
    await compare("PostgreSQL: DISCARD ALL on release", [
      {
        label: "autocommit, BEGIN + SELECT + COMMIT, reset off",
        driver: off,
        mode: "autocommit",
        statements: [SELECT],
      },
      {
        label: 'autocommit, BEGIN + SELECT + COMMIT, "auto" (nothing to reset)',
        driver: auto,
        mode: "autocommit",
        statements: [SELECT],
      },
      {
        label: "autocommit, BEGIN + SELECT + COMMIT, reset always",
        driver: always,
        mode: "autocommit",
        statements: [SELECT],
      },
      {
        label: 'autocommit, SET app.x + SELECT, "auto" (reset)',
        driver: auto,
        mode: "autocommit",
        statements: ["SET app.x = '1'", SELECT],
      },
      { label: "manual, one SELECT, reset off", driver: off, mode: "manual", statements: [SELECT] },
      { label: "manual, one SELECT, reset always", driver: always, mode: "manual", statements: [SELECT] },
    ]);
  } finally {
    await pg.stop();
  }
}

if (wanted.has("mysql")) {
  const my = await serverUrl("mariadb");
  try {
    await compare("MariaDB: COM_RESET_CONNECTION (+ the session set-up after it)", [
      {
        label: 'autocommit, one SELECT, "auto" (nothing to reset)',
        driver: () => mysql({ uri: my.url }),
        mode: "autocommit",
        statements: [SELECT],
      },
      {
        label: "autocommit, one SELECT, reset always",
        driver: () => mysql({ uri: my.url, resetOnRelease: true }),
        mode: "autocommit",
        statements: [SELECT],
      },
      {
        label: 'manual, SET @x = 1, "auto" (reset)',
        driver: () => mysql({ uri: my.url }),
        mode: "manual",
        statements: ["SET @x = 1"],
      },
      {
        label: "manual, SET @x = 1, reset off",
        driver: () => mysql({ uri: my.url, resetOnRelease: false }),
        mode: "manual",
        statements: ["SET @x = 1"],
      },
    ]);
  } finally {
    await my.stop();
  }
}

if (wanted.has("sqlite")) {
  const dir = mkdtempSync(join(tmpdir(), "sqlscope-reset-cost-"));
  try {
    const file = () => sqlite({ filename: join(dir, "reset.db") });
    const memory = () => sqlite({ filename: ":memory:" });
    await compare("SQLite: a connection that ran more than DML is reopened (a file) or cleaned in place (:memory:)", [
      { label: "file, manual, one SELECT (kept)", driver: file, mode: "manual", statements: [SELECT] },
      {
        label: "file, manual, PRAGMA + SELECT (reopened)",
        driver: file,
        mode: "manual",
        statements: ["PRAGMA cache_size = 100", SELECT],
      },
      { label: ":memory:, manual, one SELECT (kept)", driver: memory, mode: "manual", statements: [SELECT] },
      {
        label: ":memory:, manual, PRAGMA + SELECT (cleaned in place)",
        driver: memory,
        mode: "manual",
        statements: ["PRAGMA cache_size = 100", SELECT],
      },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (wanted.has("duckdb")) {
  const dir = mkdtempSync(join(tmpdir(), "sqlscope-reset-cost-"));
  try {
    const file = () => duckdb({ path: join(dir, "reset.duckdb") });
    await compare(
      "DuckDB: a connection that ran anything but DML is replaced (a new connection on the same instance)",
      [
        { label: "manual, one SELECT (kept)", driver: file, mode: "manual", statements: [SELECT] },
        {
          label: "manual, SET VARIABLE + SELECT (replaced)",
          driver: file,
          mode: "manual",
          statements: ["SET VARIABLE x = 1", SELECT],
        },
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
