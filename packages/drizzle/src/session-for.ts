import { NoScopeError, type Session, type SQLScope } from "@sqlscope/core";
import { driverOf } from "@sqlscope/core/adapter";

/**
 * A function giving the current scope's session of `key` on `db`. Outside a scope a query has no
 * request transaction to join: a scope of its own would hide a missing middleware, so it fails with the fix.
 */
export function sessionSource(db: SQLScope, key: string | undefined): () => Session {
  const resolved = key ?? db.defaultKey;
  driverOf(db, resolved); // an unknown key fails here, at set-up, not at the first query
  return () => {
    try {
      return db.getSession(resolved);
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ERR_SQLSCOPE_NO_SCOPE") throw error;
      throw new NoScopeError(
        `A Drizzle query on "${resolved}" ran outside a sqlscope scope, so there is no request transaction for it to join. ` +
          "Mount the sqlscope middleware of your framework (app.use(sqlscope(db))) before the route, or wrap scripts, " +
          "jobs, migrations and start-up work in db.runInScope(async () => ...).",
      );
    }
  };
}

/** What every builder of this package takes besides drizzle's own config. */
export interface ScopeOptions {
  /** The database key (as given to `db.add()`); the first key added when omitted. */
  key?: string;
}
