import { NoScopeError, type Session, type SQLScope } from "@sqlscope/core";

/**
 * The current scope's session of `key` on `db`. Outside a scope a query has no request transaction to
 * join: running it in a scope of its own would hide a missing middleware, so it fails with the fix.
 */
export function sessionFor(db: SQLScope, key: string): Session {
  try {
    return db.getSession(key);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_SQLSCOPE_NO_SCOPE") throw error;
    throw new NoScopeError(
      `A Kysely query on "${key}" ran outside a sqlscope scope, so there is no request transaction for it to join. ` +
        "Mount the sqlscope middleware of your framework (app.use(sqlscope(db))) before the route, or wrap scripts, " +
        "jobs, migrations and start-up work in db.runInScope(async () => ...).",
    );
  }
}
