import type { Session, SQLScope } from "@sqlscope/core";
import type { DrizzleConfig } from "drizzle-orm";
import { drizzle, type SqliteRemoteDatabase } from "drizzle-orm/sqlite-proxy";
import type Database from "better-sqlite3";
import { sessionSource, type ScopeOptions } from "./session-for.ts";

export type { ScopeOptions };
import { scopeTransactions } from "./transactions.ts";

type Method = "run" | "all" | "values" | "get";

/** What a statement gives back: rows as arrays (drizzle maps columns by position), plus run()'s counts. */
interface Answer {
  rows: unknown[];
  changes?: number;
  lastInsertRowid?: number | bigint;
}

/** Statements per connection: better-sqlite3 compiles on every prepare(). */
const STATEMENTS = new WeakMap<Database.Database, Map<string, Database.Statement>>();
const STATEMENTS_PER_CONNECTION = 200;

function prepared(raw: Database.Database, sql: string): Database.Statement {
  let cache = STATEMENTS.get(raw);
  if (cache === undefined) {
    cache = new Map();
    STATEMENTS.set(raw, cache);
  }
  let stmt = cache.get(sql);
  if (stmt === undefined) {
    stmt = raw.prepare(sql);
    if (cache.size >= STATEMENTS_PER_CONNECTION) cache.delete(cache.keys().next().value as string);
    cache.set(sql, stmt);
  }
  return stmt;
}

function answer(raw: Database.Database, sql: string, params: unknown[], method: Method): Answer {
  const stmt = prepared(raw, sql);
  if (method === "run" || !stmt.reader) {
    const info = stmt.run(...params);
    return { rows: [], changes: info.changes, lastInsertRowid: info.lastInsertRowid };
  }
  stmt.raw(true);
  return method === "get" ? { rows: stmt.get(...params) as unknown[] } : { rows: stmt.all(...params) };
}

/**
 * Drizzle on the request's sqlscope SQLite session (the async, sqlite-proxy flavour of drizzle: await
 * every query). Statements run through sqlscope's SQLite driver, so writes take its write gate and
 * every request is one transaction; `db.transaction()` is a savepoint of it; `db.batch()` runs in one.
 *
 * @example
 * const db = new SQLScope().add(sqlite({ filename: "app.db" }), { commit: "autocommit" });
 * export const orm = drizzleSqlite(db, { schema });
 * app.use(sqlscope(db));
 * app.get("/users", async (_req, res) => res.json(await orm.query.users.findMany()));
 */
export function drizzleSqlite<TSchema extends Record<string, unknown> = Record<string, never>>(
  db: SQLScope,
  config: DrizzleConfig<TSchema> & ScopeOptions = {},
): SqliteRemoteDatabase<TSchema> {
  const { key, ...drizzleConfig } = config;
  const session = sessionSource(db, key);
  const run = (s: Session, sql: string, params: unknown[], method: Method): Promise<Answer> =>
    s.withConnection(sql, (raw: Database.Database) => answer(raw, sql, params, method));
  const orm = drizzle<TSchema>(
    (sql, params, method) => {
      let s: Session;
      try {
        s = session();
      } catch (error) {
        return Promise.reject(error as Error);
      }
      return run(s, sql, params, method);
    },
    async (batch) => {
      const s = session();
      // drizzle's batch is all or nothing: a savepoint of the scope's transaction keeps it so.
      return await s.transaction(async () => {
        const results: Answer[] = [];
        for (const query of batch) results.push(await run(s, query.sql, query.params, query.method));
        return results;
      });
    },
    drizzleConfig as DrizzleConfig<TSchema>,
  );
  return scopeTransactions(orm, session);
}
