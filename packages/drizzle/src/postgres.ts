import type { Session, SQLScope } from "@sqlscope/core";
import type { DrizzleConfig } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { sessionSource, type ScopeOptions } from "./session-for.ts";

export type { ScopeOptions };
import { scopeTransactions } from "./transactions.ts";

/**
 * Stands in for a pg Client under drizzle's node-postgres driver: each query runs with the request's
 * own pg Client (rows as arrays, drizzle's type parsers), as one statement of the request's session.
 */
class ScopedPgClient {
  private readonly session: () => Session;

  constructor(session: () => Session) {
    this.session = session;
  }

  query(config: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult> {
    const text = typeof config === "string" ? config : config.text;
    let session: Session;
    try {
      session = this.session();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return session.withConnection(text, (client: pg.Client) => client.query(config as pg.QueryConfig, values));
  }
}

/**
 * Drizzle (node-postgres flavour) on the request's sqlscope session: every query runs on
 * `getSession(key)`, inside the scope's transaction; `db.transaction()` is a savepoint of it.
 *
 * @example
 * const db = new SQLScope().add(postgres({ connectionString }), { commit: "autocommit" });
 * export const orm = drizzlePostgres(db, { schema });
 * app.use(sqlscope(db));
 * app.post("/users", async (req, res) => {
 *   await orm.insert(users).values({ email: req.body.email });
 *   res.status(201).end(); // committed before the client sees the 201
 * });
 */
export function drizzlePostgres<TSchema extends Record<string, unknown> = Record<string, never>>(
  db: SQLScope,
  config: DrizzleConfig<TSchema> & ScopeOptions = {},
): NodePgDatabase<TSchema> {
  const { key, ...drizzleConfig } = config;
  const session = sessionSource(db, key);
  const orm = drizzle<TSchema, pg.Client>(
    new ScopedPgClient(session) as unknown as pg.Client,
    drizzleConfig as DrizzleConfig<TSchema>,
  );
  return scopeTransactions(orm, session);
}
