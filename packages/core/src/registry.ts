// What a Scope needs of the SQLScope it belongs to, as interfaces: the scope never imports the
// registry class. The part other code (adapters, @sqlscope/testing, query builders) may use is behind
// a registered symbol, reached through the functions of @sqlscope/core/adapter and /testing, so the
// object users hold shows only the app's API. The symbol is registered (Symbol.for): a registry made
// by another copy of core answers it too (see store.ts).
import type { Database } from "./database.ts";
import type { TransactionIntent } from "./driver.ts";
import type { RetryOptions } from "./retry.ts";
import type { Session } from "./session/session.ts";
import type { ScopeTracker } from "./shutdown.ts";

export const INTERNALS = Symbol.for("sqlscope.registry.internals");

export interface RunInScopeOptions {
  /**
   * By default a runInScope inside another scope of the same SQLScope joins it (same sessions, settled
   * by the outer scope). `isolated: true` opens a scope of its own that commits or rolls back on its own.
   */
  isolated?: boolean;
  /**
   * Re-runs the whole scope, a fresh one each time, when it fails with a retryable error (serialization
   * failure or conflict, a commit rejected by one, a connection lost mid-transaction) and nothing of the
   * failed run was committed yet. A number is the attempt count (the first run included).
   * Adapters never retry an HTTP request: its response may already be on the wire.
   */
  retry?: number | RetryOptions;
  /**
   * "write" when fn reads, then writes (or awaits something between its statements and then writes):
   * on SQLite its transaction takes the write lock at its first statement, so another writer's commit
   * cannot make the later write fail (SQLITE_BUSY_SNAPSHOT); such scopes run one at a time. Default:
   * deferred (reads run side by side, the lock is taken at the first write). Ignored when the call
   * joins an enclosing scope, whose intent stands. PostgreSQL and MySQL ignore it.
   */
  intent?: TransactionIntent;
}

/** The sessions of one scope, as a registry routes reads among them. */
export interface ScopeSessions {
  session(key: string): Session;
  /** True when this scope's session of `key` holds, takes or uses a connection. */
  usedKey(key: string): boolean;
}

/** The registry's internals: for sqlscope's own packages, never for apps. */
export interface RegistryInternals {
  /** The database of a key, or UnknownKeyError. */
  database(key: string): Database;
  /** Reports a warning through the configured onWarning (a throwing handler is ignored). */
  warn(warning: Error): void;
  /** How long finish() waits for statements still running when the scope ends. */
  readonly finishTimeoutMs: number;
  /** Whether events carry database error messages (SQLScopeOptions.diagnostics.errorMessages). */
  readonly errorMessages: boolean;
  /** Open scopes, counted by Scope itself, so close() knows what is in flight. */
  readonly tracker: ScopeTracker;
  /** The session getReadSession(key) picks in `scope`: its replica's, unless the scope used the primary. */
  readSession(scope: ScopeSessions, key: string): Session;
}

/** What a scope reads of its SQLScope. */
export interface Registry {
  readonly defaultKey: string;
  readonly keys: string[];
  has(key: string): boolean;
  runInScope<T>(fn: () => Promise<T> | T, options?: RunInScopeOptions): Promise<T>;
  readonly [INTERNALS]: RegistryInternals;
}
