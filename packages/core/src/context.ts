import { NoScopeError, UnknownKeyError } from "./errors.ts";
import type { Hook } from "./hooks.ts";
import { INTERNALS, type RunInScopeOptions } from "./registry.ts";
import type { ScopeView } from "./outcome.ts";
import { currentScope, type Scope } from "./scope.ts";
import type { Session } from "./session/session.ts";
import { SQLScope } from "./sqlscope.ts";

/**
 * The current scope's session for `key` (the first key added when omitted). Synchronous and O(1);
 * the same object for the same key within one scope. Takes no connection until the first statement.
 * Throws NoScopeError outside a scope and UnknownKeyError for a key nobody registered.
 *
 * @example
 * app.get("/users/:id", async (req, res) => {
 *   res.json(await getSession().selectOne("SELECT * FROM users WHERE id = ?", [req.params.id]));
 * });
 */
export function getSession(key?: string): Session {
  const scope = currentScope();
  if (scope === undefined) throw new NoScopeError();
  if (key === undefined) return scope.session(scope.registry.defaultKey);
  return scopeFor(scope, key).session(key);
}

/**
 * The current scope's session for reading `key` (the first key added when omitted): the session of
 * its read replica (`add(driver, { replicaOf: key })`) unless this scope already used `key` itself
 * (so it reads its own writes) or the replica cannot be connected to (reads fall back to the
 * primary); with no replica, simply getSession(key). Writes always go through getSession().
 *
 * @example
 * app.get("/posts", async (req, res) => {
 *   res.json(await getReadSession().select("SELECT * FROM posts ORDER BY id DESC LIMIT 20"));
 * });
 */
export function getReadSession(key?: string): Session {
  const scope = currentScope();
  if (scope === undefined) throw new NoScopeError();
  const owner = key === undefined ? scope : scopeFor(scope, key);
  const target = key ?? owner.registry.defaultKey;
  return owner.registry[INTERNALS].readSession(owner, target);
}

/** Like getSession(), but undefined outside a scope (unknown keys still throw). */
export function tryGetSession(key?: string): Session | undefined {
  const scope = currentScope();
  if (scope === undefined) return undefined;
  if (key === undefined) return scope.session(scope.registry.defaultKey);
  return scopeFor(scope, key).session(key);
}

// Nested scopes of different SQLScopes: a key is looked up from the innermost scope outwards.
function scopeFor(scope: Scope, key: string): Scope {
  for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) if (s.registry.has(key)) return s;
  throw new UnknownKeyError(key, scope.registry.keys);
}

/**
 * Runs fn in a scope: inside a scope it joins the current one; outside, it uses the app's SQLScope
 * (the one marked { default: true }, or the only one with a database) and commits when fn resolves,
 * rolls back when it throws.
 *
 * @example
 * await runInScope(async () => {
 *   await getSession().execute("INSERT INTO jobs (name) VALUES (?)", ["nightly"]);
 * });
 */
export function runInScope<T>(fn: () => Promise<T> | T, options: RunInScopeOptions = {}): Promise<T> {
  const scope = currentScope();
  let registry: Pick<SQLScope, "runInScope">;
  try {
    registry = scope?.registry ?? SQLScope.resolveDefault();
  } catch (error) {
    // A function that returns a promise must not also throw: `runInScope(fn).catch(...)` would miss it.
    return Promise.reject(error as Error);
  }
  return registry.runInScope(fn, options);
}

/**
 * Runs fn after the current scope committed, before its response is released (HTTP) or its
 * runInScope resolves. Hooks run in registration order and are awaited; one that fails is reported
 * through onWarning and never turns a committed request into a failure. Dropped when the scope rolls back.
 *
 * @example
 * await getSession().execute("INSERT INTO users (email) VALUES (?)", [email]);
 * afterCommit(() => mailer.sendWelcome(email)); // never for a user that was rolled back
 */
export function afterCommit(fn: Hook): void {
  currentOrThrow().afterCommit(fn);
}

/**
 * Runs fn after the current scope rolled back (a failure status, a throw, an abort, a failed commit).
 * Dropped when the scope commits.
 *
 * @example
 * await uploads.put(key, body);
 * afterRollback(() => uploads.delete(key)); // undo the side effect the database no longer backs
 */
export function afterRollback(fn: Hook): void {
  currentOrThrow().afterRollback(fn);
}

function currentOrThrow(): Scope {
  const scope = currentScope();
  if (scope === undefined) {
    throw new NoScopeError(
      "afterCommit()/afterRollback() was called outside a sqlscope scope, so there is no transaction to wait for. " +
        "Call it inside a request handled by the sqlscope middleware or inside db.runInScope(async () => ...).",
    );
  }
  return scope;
}

/**
 * The scope this code runs in, as observers see it (its figures, state, parent), or undefined outside
 * one: for logging what a request did. Adapters get the Scope itself from `@sqlscope/core/adapter`.
 *
 * @example
 * res.on("finish", () => logger.info({ status: res.statusCode, ...currentScopeView()?.figures }, "request"));
 */
export function currentScopeView(): ScopeView | undefined {
  return currentScope();
}
