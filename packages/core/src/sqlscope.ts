import type { PoolStats } from "./connection-source.ts";
import type { Database } from "./database.ts";
import type { Driver, TransactionIntent } from "./driver.ts";
import {
  AlreadyRegisteredError,
  ConfigError,
  DuplicateKeyError,
  NoScopeError,
  ShutdownError,
  UnknownKeyError,
} from "./errors.ts";
import { makePolicy, type PolicyOptions } from "./policy.ts";
import type { PoolOptions } from "./pool/options.ts";
import { ConnectionPool } from "./pool/pool.ts";
import {
  INTERNALS,
  type Registry,
  type RegistryInternals,
  type RunInScopeOptions,
  type ScopeSessions,
} from "./registry.ts";
import { checkReplicaOptions, ReplicaRoute, type ReplicaOptions } from "./replicas.ts";
import { isRetryableFailure, retryPolicy, withRetry } from "./retry.ts";
import { currentScope, Scope } from "./scope.ts";
import type { Session } from "./session/session.ts";
import { ScopeTracker, type CloseOptions, type CloseReport } from "./shutdown.ts";
import { liveRegistries as live } from "./store.ts";

export type { RunInScopeOptions };

export interface SQLScopeOptions {
  /** Makes this the SQLScope that the free `runInScope(fn)` uses when several exist. */
  default?: boolean;
  /** Where leak reports, rollback failures and manual transactions left open go. Default: process.emitWarning. */
  onWarning?: (warning: Error) => void;
  /** How long finish() waits for statements still running when the scope ends (default 10 s). */
  finishTimeoutMs?: number;
  /** What diagnostics events (and so @sqlscope/otel spans) carry. See docs/observability.md. */
  diagnostics?: {
    /**
     * Publish errors with the database's own message, which can repeat parameter values. Default
     * false: an error that wraps a database error is published with its class, code and driver code only.
     */
    errorMessages?: boolean;
  };
}

export interface AddOptions extends PolicyOptions, ReplicaOptions {
  /** The name getSession(key) finds this database by. Default "db"; the first key added is the default key. */
  key?: string;
  pool?: Partial<PoolOptions>;
}

/**
 * The registry of databases for an app (not itself a scope: it makes one per request or
 * runInScope): each key gets a driver, a pool and a commit policy.
 *
 * @example
 * export const db = new SQLScope()
 *   .add(sqlite({ filename: "app.db" }), { key: "db", commit: "autocommit" })
 *   .add(duckdb({ path: "events.duckdb" }), { key: "events", commit: "autocommit", extraCommitStatuses: [400] });
 */
export class SQLScope implements Registry {
  readonly isDefault: boolean;
  readonly finishTimeoutMs: number;
  /** For sqlscope's own packages (through @sqlscope/core/adapter and /testing), not for apps. */
  readonly [INTERNALS]: RegistryInternals;
  private readonly errorMessages: boolean;
  private readonly entries = new Map<string, Database>();
  /** Primary key to its replica (see replicas.ts). */
  private readonly replicas = new Map<string, ReplicaRoute>();
  private firstKey: string | undefined = undefined;
  private readonly onWarning: (warning: Error) => void;
  private closed = false;
  private closing: Promise<CloseReport> | undefined = undefined;
  private readonly tracker = new ScopeTracker();

  constructor(options: SQLScopeOptions = {}) {
    this.isDefault = options.default === true;
    this.finishTimeoutMs = options.finishTimeoutMs ?? 10_000;
    this.errorMessages = options.diagnostics?.errorMessages === true;
    this.onWarning = options.onWarning ?? ((warning) => process.emitWarning(warning));
    if (this.isDefault) {
      for (const other of live) {
        if (other.isDefault) {
          throw new ConfigError(
            "Two SQLScope instances are marked { default: true }; mark only one (or close the other first).",
          );
        }
      }
    }
    live.add(this);
    const self = this;
    this[INTERNALS] = {
      database: (key) => this.database(key),
      warn: (warning) => this.warn(warning),
      get finishTimeoutMs() {
        return self.finishTimeoutMs;
      },
      errorMessages: this.errorMessages,
      tracker: this.tracker,
      readSession: (scope, key) => this.readSession(scope, key),
    };
  }

  /** Registers a database under a key, with its commit policy. The first key added is the default. */
  add(driver: Driver, options: AddOptions = {}): this {
    const key = options.key ?? "db";
    if (typeof driver !== "object" || driver === null || typeof driver.connect !== "function") {
      throw new ConfigError(
        `db.add() for "${key}" needs a driver such as sqlite({ filename }) or postgres({ ... }), got ${String(driver)}.`,
      );
    }
    if (typeof key !== "string" || key.length === 0)
      throw new ConfigError("A database key must be a non-empty string.");
    if (this.entries.has(key)) throw new DuplicateKeyError(key);
    if (this.closed) throw new ConfigError("This SQLScope was closed; create a new one.");
    const readOnly = checkReplicaOptions(
      key,
      options,
      driver,
      (k) => this.entries.has(k),
      (k) => this.replicas.has(k),
    );
    const policy = makePolicy(
      key,
      readOnly && options.commit === undefined ? { ...options, commit: "autocommit" } : options,
    );
    const pool = new ConnectionPool(key, driver, options.pool ?? {}, this.onWarning);
    this.entries.set(key, {
      key,
      driver,
      pool,
      source: pool,
      policy,
      parse: {
        style: driver.dialect.placeholder,
        lexer: driver.dialect.lexer ?? "standard",
        nestedComments: driver.dialect.nestedComments === true,
        backslashEscapes: driver.dialect.backslashEscapes === true,
      },
      readOnly,
      replicaOf: options.replicaOf,
    });
    if (options.replicaOf !== undefined)
      this.replicas.set(options.replicaOf, new ReplicaRoute(key, pool, driver, options));
    this.firstKey ??= key;
    return this;
  }

  /** Registered keys, in the order they were added. */
  get keys(): string[] {
    return [...this.entries.keys()];
  }

  /** The first key added. */
  get defaultKey(): string {
    if (this.firstKey === undefined) {
      throw new ConfigError('No database is registered. Call db.add(driver, { key: "db" }) before using sessions.');
    }
    return this.firstKey;
  }

  /** Whether a key is registered. @example if (!db.has("events")) db.add(duckdb({ path }), { key: "events" }); */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  private database(key: string): Database {
    const entry = this.entries.get(key);
    if (entry === undefined) throw new UnknownKeyError(key, this.keys);
    return entry;
  }

  private warn(warning: Error): void {
    try {
      this.onWarning(warning);
    } catch {
      // A throwing warning handler must not turn a settled scope into a crash.
    }
  }

  /**
   * For adapters: a new scope for one request. Throws AlreadyRegisteredError when a scope of this
   * SQLScope is already open in the current context (adapters pass through with `joinedScope(db)` first).
   *
   * @example
   * const scope = db.createScope({ intent: methodIntent(req.method) });
   * scope.run(() => next());
   */
  createScope(options?: { intent?: TransactionIntent }): Scope {
    if (this.entries.size === 0) this.defaultKey; // throws the "no database registered" ConfigError
    const current = currentScope();
    if (current !== undefined && current.state === "open" && this.openIn(current)) {
      throw new AlreadyRegisteredError(
        "This SQLScope's middleware runs twice for the same request (mounted on the app and again on a router, or " +
          "app.use(sqlscope(db)) called twice). Mount it once, before the routes that use getSession().",
      );
    }
    if (this.tracker.closing) this.refuse();
    return new Scope(this, current, options?.intent);
  }

  private refuse(): never {
    this.tracker.refused++;
    throw new ShutdownError();
  }

  private openIn(scope: Scope | undefined): Scope | undefined {
    for (let s = scope; s !== undefined; s = s.parent) if (s.registry === this && s.state === "open") return s;
    return undefined;
  }

  /**
   * Runs fn in a scope for scripts, jobs and CLIs: commits (autocommit modes) when fn resolves, rolls
   * back when it throws and rethrows. Nested inside a scope of this SQLScope it joins that scope
   * unless `{ isolated: true }`.
   *
   * @example
   * await db.runInScope(async () => {
   *   await getSession().executeScript(schema);
   * });
   */
  // Not async: no promise of its own (see docs/architecture.md on the hot path).
  runInScope<T>(fn: () => Promise<T> | T, options: RunInScopeOptions = {}): Promise<T> {
    try {
      const current = currentScope();
      const inOwn = this.openIn(current) !== undefined;
      const joins = options.isolated !== true && inOwn;
      // Closing: only work of a scope already in flight may open another.
      if (this.tracker.closing && !inOwn) this.refuse();
      if (options.retry !== undefined) {
        const policy = retryPolicy(options.retry);
        if (joins) {
          throw new ConfigError(
            "runInScope(fn, { retry }) was called inside an open scope of the same SQLScope, so it would join that scope, which " +
              "cannot be re-run on its own. Pass { isolated: true, retry } to give it a scope (and commit) of its own, or retry " +
              "at the outermost runInScope.",
          );
        }
        if (this.entries.size === 0) this.defaultKey;
        let scope: Scope | undefined;
        return withRetry(
          policy,
          () => {
            scope = new Scope(this, current, options.intent);
            return this.runScope(scope, fn);
          },
          // A run that already committed something cannot be repeated without doing it twice.
          (error) => isRetryableFailure(error) && scope?.durable === false,
          this.errorMessages,
        );
      }
      if (joins) return Promise.resolve(fn());
      if (this.entries.size === 0) this.defaultKey;
      return this.runScope(new Scope(this, current, options.intent), fn);
    } catch (error) {
      // A function that returns a promise must not also throw.
      return Promise.reject(error as Error);
    }
  }

  private async runScope<T>(scope: Scope, fn: () => Promise<T> | T): Promise<T> {
    let result: T;
    try {
      result = await scope.run(fn);
    } catch (error) {
      const report = await scope.finish({ success: false });
      if (report.error !== undefined) this.warn(report.error);
      throw error;
    }
    const report = await scope.finish({ success: true });
    if (!report.ok) throw report.error;
    return result;
  }

  /**
   * The session for `key` in the current scope of this SQLScope (the default key when omitted).
   *
   * @example
   * await db.runInScope(() => db.getSession().execute("DELETE FROM sessions WHERE expired"));
   */
  getSession(key?: string): Session {
    const scope = this.openIn(currentScope()) ?? findFinished(this);
    return scope.session(key ?? this.defaultKey);
  }

  /**
   * The session to read `key`'s data with (default key when omitted): its replica's (see
   * `add(driver, { replicaOf })`), unless this scope already used the primary (read your own writes)
   * or the replica cannot be connected to (fallback); else the primary's own session.
   *
   * @example
   * const posts = await db.getReadSession().select("SELECT * FROM posts ORDER BY id DESC LIMIT 20");
   */
  getReadSession(key?: string): Session {
    const scope = this.openIn(currentScope()) ?? findFinished(this);
    return this.readSession(scope, key ?? this.defaultKey);
  }

  private readSession(scope: ScopeSessions, key: string): Session {
    const route = this.replicas.get(key);
    if (route === undefined || scope.usedKey(key) || !route.usable()) return scope.session(key);
    return scope.session(route.key);
  }

  /** Like getSession(), but undefined outside a scope of this SQLScope. @example const s = db.tryGetSession(); */
  tryGetSession(key?: string): Session | undefined {
    const scope = this.openIn(currentScope());
    return scope === undefined ? undefined : scope.session(key ?? this.defaultKey);
  }

  /** Pool figures for a key (default key when omitted). @example const { borrowed, idle } = db.stats(); */
  stats(key?: string): PoolStats {
    return this.database(key ?? this.defaultKey).source.stats();
  }

  /**
   * Shuts down gracefully: refuses new scopes (ShutdownError, a 503), lets the scopes in flight finish
   * within `timeoutMs` (default 10 s), then destroys the connections still borrowed (the server rolls
   * their work back, and those scopes fail instead of committing), closes every pool and driver, and
   * reports what it did. Call it after server.close(), see docs/scaling.md. Calling it again returns
   * the same report.
   *
   * @example
   * process.once("SIGTERM", async () => {
   *   server.close();
   *   const report = await db.close({ timeoutMs: 20_000 });
   *   console.log("sqlscope closed", report); // { inFlight, finished, abandoned, destroyed, refused, durationMs }
   *   process.exit(0);
   * });
   */
  close(options: CloseOptions = {}): Promise<CloseReport> {
    if (this.closing !== undefined) return this.closing;
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (typeof timeoutMs !== "number" || !(timeoutMs >= 0)) {
      return Promise.reject(
        new ConfigError(`db.close({ timeoutMs }) must be a number of ms >= 0, got ${String(timeoutMs)}.`),
      );
    }
    this.closed = true;
    for (const route of this.replicas.values()) route.close();
    const entries = [...this.entries.values()];
    const closeDrivers = async () => {
      for (const entry of entries) await entry.driver.close?.();
    };
    // A source that stands in for a pool (a test's isolation) ends what it lends before the pools drain.
    const closeSources = async () => {
      for (const entry of entries) if (entry.source !== entry.pool) await entry.source.onClose?.();
    };
    this.closing = this.tracker
      .close(
        entries.map((e) => e.pool),
        closeSources,
        closeDrivers,
        timeoutMs,
      )
      .finally(() => live.delete(this));
    return this.closing;
  }

  /** The SQLScope the free runInScope() uses outside any scope (see context.ts). */
  static resolveDefault(): SQLScope {
    let only: SQLScope | undefined;
    let count = 0;
    // Every live registry is a SQLScope, of this copy of core or of another (see store.ts).
    for (const registry of live as Set<SQLScope>) {
      if (registry.isDefault) return registry;
      // keys, not the private map: the registry may come from another copy of core.
      if (registry.keys.length > 0) {
        only = registry;
        count++;
      }
    }
    if (count === 1 && only !== undefined) return only;
    throw new ConfigError(
      count === 0
        ? "runInScope() found no SQLScope with a database. Create one (new SQLScope().add(driver)) before calling it, or call db.runInScope()."
        : `runInScope() found ${count} SQLScope instances and cannot tell which to use. Call db.runInScope() on the one you mean, ` +
            "or create the app's main one with new SQLScope({ default: true }).",
    );
  }
}

function findFinished(registry: SQLScope): Scope {
  const current = currentScope();
  for (let s = current; s !== undefined; s = s.parent) if (s.registry === registry) return s;
  throw new NoScopeError();
}
