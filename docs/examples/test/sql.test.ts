// sql.md: every sample of the sql tag on real databases: SQLite and DuckDB files, the run's PostgreSQL
// and MariaDB (postgresTestUrl()/mysqlTestUrl(), skipped loudly when absent locally, never in CI).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSession, ParameterError, QueryError, sql, SQLScope } from "@sqlscope/core";
import type { Driver } from "@sqlscope/core/driver";
import { duckdb } from "@sqlscope/duckdb";
import { mysql } from "@sqlscope/mysql";
import { postgres } from "@sqlscope/postgres";
import { sqlite } from "@sqlscope/sqlite";
import { mysqlTestUrl, postgresTestUrl } from "@sqlscope/test-support";
import * as samples from "../sql.ts";
import { inTempCwd } from "./real.ts";

const cwd = inTempCwd();

const USERS: samples.User[] = [
  { id: 1, email: "ada@example.com", name: "Ada", org: "acme" },
  { id: 2, email: "o'brien@example.com", name: "O'Brien", org: "acme" },
  { id: 3, email: "100%_real@example.com", name: null, org: "initech" },
  { id: 4, email: "bob@example.com", name: "Bob", org: "initech" },
];
const ids = (users: readonly { id: unknown }[]) => users.map((u) => Number(u.id));

const pgUrl = postgresTestUrl();
const myUrl = mysqlTestUrl();
// PostgreSQL and MariaDB are shared by every test file of the run: the samples' "users" table lives in a
// database of this file's own.
const own = `docs_sql_${process.pid}`;
async function onServer(admin: () => Driver, statement: string): Promise<void> {
  const db = new SQLScope().add(admin());
  try {
    await db.runInScope(() => getSession().execute(statement));
  } finally {
    await db.close();
  }
}
/** A fresh database on the server of `url`, and the URL that reaches it. */
async function ownDatabase(admin: () => Driver, url: string): Promise<string> {
  await onServer(admin, `DROP DATABASE IF EXISTS ${own}`);
  await onServer(admin, `CREATE DATABASE ${own}`);
  const target = new URL(url);
  target.pathname = `/${own}`;
  return target.toString();
}

interface Target {
  driver(): Promise<Driver>;
  drop?(): Promise<void>;
}
const pgAdmin = () => postgres({ connectionString: pgUrl ?? "" });
const myAdmin = () => mysql({ uri: myUrl ?? "" });
const databases: [string, Target | undefined][] = [
  ["sqlite", { driver: async () => sqlite({ filename: join(cwd, "sql.db") }) }],
  ["duckdb", { driver: async () => duckdb({ path: join(cwd, "sql.duckdb") }) }],
  [
    "postgres",
    pgUrl === undefined
      ? undefined
      : {
          driver: async () => postgres({ connectionString: await ownDatabase(pgAdmin, pgUrl) }),
          drop: () => onServer(pgAdmin, `DROP DATABASE ${own} WITH (FORCE)`),
        },
  ],
  [
    "mysql",
    myUrl === undefined
      ? undefined
      : {
          driver: async () => mysql({ uri: await ownDatabase(myAdmin, myUrl) }),
          drop: () => onServer(myAdmin, `DROP DATABASE ${own}`),
        },
  ],
];

for (const [name, target] of databases) {
  describe.skipIf(target === undefined)(`sql.md on ${name}`, () => {
    let db: SQLScope;
    const run = <T>(fn: () => Promise<T>) => db.runInScope(fn);

    beforeAll(async () => {
      db = new SQLScope().add(await (target as Target).driver(), { commit: "autocommit" });
      await run(async () => {
        await getSession().execute("DROP TABLE IF EXISTS users");
        await getSession().execute(
          "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL UNIQUE, name VARCHAR(100), org VARCHAR(100) NOT NULL)",
        );
        expect(await samples.addUsers(USERS)).toBe(4);
        expect(await samples.addUsers([])).toBe(0);
      });
    });
    afterAll(async () => {
      await run(() => getSession().execute("DROP TABLE IF EXISTS users"));
      await db.close();
      await target?.drop?.();
    });

    it("basics: a value with a quote in it is a value", async () => {
      expect((await run(() => samples.byEmail("o'brien@example.com")))?.name).toBe("O'Brien");
      expect(await run(() => samples.byEmail("' OR '1'='1"))).toBeNull();
    });

    it("fragments: nested, their values bound in order", async () => {
      expect(ids(await run(() => samples.newestInOrg("acme", 1)))).toEqual([2]);
      expect(ids(await run(() => samples.newestInOrg("initech", 5)))).toEqual([4, 3]);
    });

    it("in-list: the ids given, none for an empty list without a query; IN () itself is a ParameterError", async () => {
      expect(ids(await run(() => samples.usersByIds([4, 1])))).toEqual([1, 4]);
      expect(await run(() => samples.usersByIds([]))).toEqual([]);
      const none: number[] = [];
      const error = await run(() =>
        getSession().select(sql`SELECT * FROM users WHERE id IN (${sql.join(none)})`),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ParameterError);
      expect((error as Error).message).toMatch(/empty list inside IN/);
    });

    it("filters: every combination, LIKE with % and _ taken literally", async () => {
      expect(ids(await run(() => samples.findUsers({})))).toEqual([1, 2, 3, 4]);
      expect(ids(await run(() => samples.findUsers({ org: "initech" })))).toEqual([3, 4]);
      expect(ids(await run(() => samples.findUsers({ emailContains: "%_" })))).toEqual([3]);
      expect(ids(await run(() => samples.findUsers({ emailContains: "a", org: "acme", ids: [1, 3] })))).toEqual([1]);
      expect(await run(() => samples.findUsers({ ids: [] }))).toEqual([]);
    });

    it("a column name as a value is not a column: ORDER BY ${value} sorts by a constant, or is refused (DuckDB)", async () => {
      const column = "name";
      const outcome = await run(() =>
        getSession().select<{ id: number }>(sql`SELECT id, name FROM users ORDER BY ${column}`),
      ).then(ids, (e: unknown) => e);
      if (name === "duckdb") expect(outcome).toBeInstanceOf(QueryError);
      else expect(outcome).toEqual([1, 2, 3, 4]); // the table's order: by name it would start with 3 (NULL) or 1 (Ada), then 4 (Bob)
    });

    it("identifiers: allow-listed and quoted; anything else falls back to id", async () => {
      expect(ids(await run(() => samples.sortedUsers("email")))).toEqual([3, 1, 4, 2]);
      expect(ids(await run(() => samples.sortedUsers("id; DROP TABLE users")))).toEqual([1, 2, 3, 4]);
      expect(ids(await run(() => samples.sortedUsers("constructor")))).toEqual([1, 2, 3, 4]);
    });

    it("raw: a constant pasted as it is; pasted input is an injection", async () => {
      expect(ids(await run(() => samples.namedUsers()))).toEqual([1, 2, 4]);
      expect(ids(await run(() => samples.unsafeByName("Ada")))).toEqual([1]);
      expect(ids(await run(() => samples.unsafeByName("x' OR '1'='1")))).toEqual([1, 2, 3, 4]);
    });

    it.runIf(name === "postgres")("long lists on PostgreSQL: one array parameter", async () => {
      const many = Array.from({ length: 70_000 }, (_, i) => i + 1);
      expect(ids(await run(() => samples.usersByIdsPostgres(many)))).toEqual([1, 2, 3, 4]);
      await expect(run(() => samples.usersByIds(many))).rejects.toBeInstanceOf(ParameterError); // over 65,535 parameters
    });

    it.runIf(name === "duckdb")("long lists on DuckDB: one LIST parameter", async () => {
      const many = Array.from({ length: 70_000 }, (_, i) => i + 1);
      expect(ids(await run(() => samples.usersByIdsDuckdb(many)))).toEqual([1, 2, 3, 4]);
    });

    it.runIf(name === "sqlite")("long lists on SQLite: one JSON parameter", async () => {
      const many = Array.from({ length: 40_000 }, (_, i) => i + 1);
      expect(ids(await run(() => samples.usersByIdsSqlite(many)))).toEqual([1, 2, 3, 4]);
      await expect(run(() => samples.usersByIds(many))).rejects.toBeInstanceOf(ParameterError); // over 32,766 parameters
    });
  });
}
