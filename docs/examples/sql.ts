// sql.md: the sql tag. Every function runs in a request's (or runInScope's) scope; test/sql.test.ts runs
// them on SQLite, PostgreSQL, MariaDB and DuckDB.
import { getSession, sql, type Sql } from "@sqlscope/core";

export interface User {
  id: number;
  email: string;
  name: string | null;
  org: string;
}

// docs:start basics
export async function byEmail(email: string): Promise<User | null> {
  // `${email}` is a bound parameter, never text: a quote in it is just a quote.
  return getSession().selectOneOrNull<User>(sql`SELECT * FROM users WHERE email = ${email}`);
}
// docs:end

// docs:start fragments
export async function newestInOrg(org: string, limit: number): Promise<User[]> {
  const inOrg = sql`org = ${org}`;
  const newest = sql`ORDER BY id DESC LIMIT ${limit}`;
  // Fragments nest: their values are bound in order, wherever the fragment lands.
  return getSession().select<User>(sql`SELECT * FROM users WHERE ${inOrg} ${newest}`);
}
// docs:end

// docs:start in-list
export async function usersByIds(ids: readonly number[]): Promise<User[]> {
  if (ids.length === 0) return []; // IN () is not SQL: no ids, no rows, no query
  return getSession().select<User>(sql`SELECT * FROM users WHERE id IN (${sql.join(ids)}) ORDER BY id`);
}
// docs:end

// docs:start filters
export interface UserFilter {
  org?: string;
  emailContains?: string;
  ids?: readonly number[];
}

export async function findUsers(filter: UserFilter): Promise<User[]> {
  const conditions: Sql[] = [];
  if (filter.org !== undefined) conditions.push(sql`org = ${filter.org}`);
  if (filter.emailContains !== undefined)
    conditions.push(sql`email LIKE ${`%${escapeLike(filter.emailContains)}%`} ESCAPE '!'`);
  if (filter.ids !== undefined)
    conditions.push(filter.ids.length === 0 ? sql`1 = 0` : sql`id IN (${sql.join(filter.ids)})`);
  const where = conditions.length === 0 ? sql.empty : sql`WHERE ${sql.join(conditions, sql` AND `)}`;
  return getSession().select<User>(sql`SELECT * FROM users ${where} ORDER BY id`);
}

/** `%` and `_` in the user's text match themselves, not any text (`!` escapes, the same on every database). */
function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`);
}
// docs:end

// docs:start identifiers
const SORTABLE = { email: "email", name: "name", org: "org" } as const;

export async function sortedUsers(by: string): Promise<User[]> {
  // The request picks among the app's own names; its text never reaches the SQL.
  const column = Object.hasOwn(SORTABLE, by) ? SORTABLE[by as keyof typeof SORTABLE] : "id";
  return getSession().select<User>(sql`SELECT * FROM ${sql.id("users")} ORDER BY ${sql.id(column)}, ${sql.id("id")}`);
}
// docs:end

// docs:start insert-many
export async function addUsers(users: readonly User[]): Promise<number> {
  if (users.length === 0) return 0;
  const rows = users.map((u) => sql`(${u.id}, ${u.email}, ${u.name}, ${u.org})`);
  const { rowsAffected } = await getSession().execute(
    sql`INSERT INTO users (id, email, name, org) VALUES ${sql.join(rows)}`,
  );
  return rowsAffected;
}
// docs:end

// docs:start raw
// Pasted as it is: a constant of the app, never anything a request sent.
const NAMED = sql.raw("name IS NOT NULL");

export async function namedUsers(): Promise<User[]> {
  return getSession().select<User>(sql`SELECT * FROM users WHERE ${NAMED} ORDER BY id`);
}
// docs:end

// docs:start raw-injection
// NEVER do this: the name is pasted into the SQL, so `' OR '1'='1` returns every user.
export async function unsafeByName(name: string): Promise<User[]> {
  return getSession().select<User>(sql`SELECT * FROM users WHERE ${sql.raw(`name = '${name}'`)}`);
}
// docs:end

// docs:start long-list-postgres
// PostgreSQL: the whole list is one array parameter, whatever its length.
export async function usersByIdsPostgres(ids: readonly number[]): Promise<User[]> {
  return getSession().select<User>(sql`SELECT * FROM users WHERE id = ANY(${ids}) ORDER BY id`);
}
// docs:end

// docs:start long-list-sqlite
// SQLite: the list as one JSON text parameter, unpacked by json_each.
export async function usersByIdsSqlite(ids: readonly number[]): Promise<User[]> {
  return getSession().select<User>(
    sql`SELECT * FROM users WHERE id IN (SELECT value FROM json_each(${JSON.stringify(ids)})) ORDER BY id`,
  );
}
// docs:end

// docs:start long-list-duckdb
// DuckDB: the list as one LIST parameter.
export async function usersByIdsDuckdb(ids: readonly number[]): Promise<User[]> {
  return getSession().select<User>(sql`SELECT * FROM users WHERE list_contains(${ids}, id) ORDER BY id`);
}
// docs:end
