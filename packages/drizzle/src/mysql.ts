import { UnsupportedError, type Session, type SQLScope } from "@sqlscope/core";
import { drizzle, type MySql2Database, type MySql2DrizzleConfig } from "drizzle-orm/mysql2";
import type { Connection, QueryOptions } from "mysql2/promise";
import { sessionSource, type ScopeOptions } from "./session-for.ts";

export type { ScopeOptions };
import { scopeTransactions } from "./transactions.ts";

/**
 * Stands in for a mysql2 promise connection under drizzle's mysql2 driver: each query runs with the
 * request's own connection (rows as arrays, drizzle's date handling), as one statement of its session.
 */
class ScopedMysqlClient {
  private readonly session: () => Session;

  constructor(session: () => Session) {
    this.session = session;
  }

  query(options: string | QueryOptions, values?: unknown): Promise<unknown> {
    return this.run(options, (conn) => conn.query(options as QueryOptions, values as never));
  }

  execute(options: string | QueryOptions, values?: unknown): Promise<unknown> {
    return this.run(options, (conn) => conn.execute(options as QueryOptions, values as never));
  }

  /** drizzle's iterator() reads rows from the callback connection directly: there is no statement to wait for. */
  get connection(): never {
    throw new UnsupportedError(
      "iterator() is not supported on sqlscope's MySQL session: read the rows with a plain select, or page through them.",
    );
  }

  private run(options: string | QueryOptions, step: (conn: Connection) => Promise<unknown>): Promise<unknown> {
    const text = typeof options === "string" ? options : options.sql;
    let session: Session;
    try {
      session = this.session();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return session.withConnection(text, step);
  }
}

/** drizzle's mysql2 config, with `mode` optional ("default"; "planetscale" for PlanetScale's Vitess). */
export type DrizzleMysqlConfig<TSchema extends Record<string, unknown>> = Omit<MySql2DrizzleConfig<TSchema>, "mode"> & {
  mode?: "default" | "planetscale";
} & ScopeOptions;

/**
 * Drizzle (mysql2 flavour) on the request's sqlscope session: every query runs on `getSession(key)`,
 * inside the scope's transaction; `db.transaction()` is a savepoint of it.
 *
 * @example
 * const db = new SQLScope().add(mysql({ uri }), { commit: "autocommit" });
 * export const orm = drizzleMysql(db, { schema });
 * await db.runInScope(() => orm.insert(users).values({ email: "a@example.com" }));
 */
export function drizzleMysql<TSchema extends Record<string, unknown> = Record<string, never>>(
  db: SQLScope,
  config: DrizzleMysqlConfig<TSchema> = {},
): MySql2Database<TSchema> {
  const { key, ...rest } = config;
  const session = sessionSource(db, key);
  const drizzleConfig = { mode: "default", ...rest } as MySql2DrizzleConfig<TSchema>;
  const orm = drizzle<TSchema, Connection>(new ScopedMysqlClient(session) as unknown as Connection, drizzleConfig);
  return scopeTransactions(orm, session);
}
