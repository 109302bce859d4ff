import { channels } from "./channels.ts";
import type { Database } from "./database.ts";
import type { TransactionIntent } from "./driver.ts";
import { ConfigError, HookError, SessionClosedError, TransactionError, type SQLScopeError } from "./errors.ts";
import { hookKindFor, runHooks, type Hook, type HookKind, type RegisteredHook } from "./hooks.ts";
import {
  scopeResult,
  type Decision,
  type FinishReport,
  type Outcome,
  type ScopeFigures,
  type ScopeResult,
  type ScopeState,
  type SessionResult,
} from "./outcome.ts";
import { decide } from "./policy.ts";
import { publishedError } from "./redact.ts";
import { INTERNALS, type Registry, type RegistryInternals, type ScopeSessions } from "./registry.ts";
import { ConnectionSlot } from "./session/connection-slot.ts";
import type { SessionHost } from "./session/host.ts";
import { Session } from "./session/session.ts";
import { ScopeCounters } from "./scope-counters.ts";
import { storage } from "./store.ts";

export type { FinishReport, ScopeState };

/** One database's session in a scope: the handle users get, and the slot the scope settles. */
interface Held {
  readonly session: Session;
  readonly slot: ConnectionSlot;
}

const NOTHING_TO_SETTLE: FinishReport = Object.freeze({ ok: true, error: undefined, sessions: Object.freeze([]) });
const SETTLED: Promise<FinishReport> = Promise.resolve(NOTHING_TO_SETTLE);

/**
 * One unit of work (an HTTP request, a job, a script) with at most one session per database key.
 * Adapters create it with `db.createScope()`, run the handler with `scope.run(fn)`, and end it with
 * `endScope(scope, outcome)` (or `finish(outcome)`) exactly when the outcome is known.
 *
 * @example
 * const scope = db.createScope();
 * await scope.run(handler);
 * const report = await scope.finish({ status: res.statusCode });
 */
export class Scope extends ScopeCounters implements SessionHost, ScopeSessions {
  readonly registry: Registry;
  readonly parent: Scope | undefined;
  private readonly internals: RegistryInternals;
  private sessions: Map<string, Held> | undefined = undefined;
  private finishing: Promise<FinishReport> | undefined = undefined;
  /** The report of a finish that completed synchronously (finishNow). */
  private report: FinishReport | undefined = undefined;
  private _state: ScopeState = "open";
  private hooks: RegisteredHook[] | undefined = undefined;
  /**
   * For adapters: called once, synchronously, the first time this scope gets something to settle (a
   * session's first statement starts taking a connection, or a hook is registered), before that work
   * can yield. Lets node-http install its response gate only for requests that need one. Unset, it
   * costs one property read per statement.
   *
   * @example
   * scope.onActive = () => installGate(res);
   */
  onActive: (() => void) | undefined = undefined;

  /**
   * What this scope means to do, when it said: "write" makes SQLite take its write lock at the first
   * statement (adapters say "write" for POST, PUT, PATCH and DELETE), "read" keeps it deferred.
   */
  readonly intent: TransactionIntent | undefined;

  constructor(registry: Registry, parent: Scope | undefined, intent?: TransactionIntent) {
    super();
    this.registry = registry;
    if (intent !== undefined && intent !== "write" && intent !== "read") {
      throw new ConfigError(
        `A scope's intent is "read" or "write", got ${JSON.stringify(intent)}; check the adapter's intent option.`,
      );
    }
    this.intent = intent;
    this.internals = registry[INTERNALS];
    this.parent = parent;
    this.internals.tracker.opened();
    if (channels.scopeStart.hasSubscribers) channels.scopeStart.publish({ scope: this });
  }

  /**
   * Runs fn once the scope's transactions committed (see hooks.ts for the per-scope rule), before the
   * response is released. Hooks run in registration order, outside the finished scope.
   *
   * @example
   * scope.afterCommit(() => mailer.send(welcome));
   */
  afterCommit(fn: Hook): void {
    this.addHook("commit", fn);
  }

  /** Runs fn once the scope's transactions rolled back (or a commit failed). @example scope.afterRollback(() => cache.restore()); */
  afterRollback(fn: Hook): void {
    this.addHook("rollback", fn);
  }

  private addHook(kind: HookKind, fn: Hook): void {
    // Before the state check: activating may end the scope (its response already ended).
    if (this.onActive !== undefined) this.activate();
    if (typeof fn !== "function") {
      throw new TypeError(
        `${kind === "commit" ? "afterCommit" : "afterRollback"}() needs a function, got ${String(fn)}.`,
      );
    }
    if (this._state !== "open") {
      throw new HookError(
        `${kind === "commit" ? "afterCommit" : "afterRollback"}() was called after the scope ended, so it could never run. ` +
          "Register hooks while the request or runInScope function is still running (look for a missing await).",
      );
    }
    (this.hooks ??= []).push({ kind, fn });
  }

  /** SessionHost: the adapter's first-work callback is still pending. */
  get activationPending(): boolean {
    return this.onActive !== undefined;
  }

  /** SessionHost: whether events carry database error messages. */
  get errorMessages(): boolean {
    return this.internals.errorMessages;
  }

  /** SessionHost: the scope gets work to settle: runs onActive once, never after the scope started finishing. */
  activate(): void {
    const fn = this.onActive;
    this.onActive = undefined;
    if (fn !== undefined && this._state === "open") fn();
  }

  get state(): ScopeState {
    return this._state;
  }

  /** Runs fn with this scope as the current one. */
  run<T>(fn: () => T): T {
    return storage.run(this, fn);
  }

  /** The session for `key`, created on first use. Takes no connection. @example scope.session("db") */
  session(key: string): Session {
    const existing = this.sessions?.get(key);
    if (existing !== undefined) return existing.session;
    const database = this.internals.database(key);
    if (this._state !== "open") throw new SessionClosedError(key);
    const slot = new ConnectionSlot(database, this);
    const session = new Session(slot);
    (this.sessions ??= new Map()).set(key, { session, slot });
    return session;
  }

  /** ScopeSessions: true when this scope's session of `key` holds, takes or uses a connection (read routing). */
  usedKey(key: string): boolean {
    return this.sessions?.get(key)?.slot.active === true;
  }

  /**
   * True when some session holds or is taking a connection, or hooks wait: finishing has work to do.
   *
   * @example
   * if (!scope.needsSettling) return next(); // nothing to commit: let the response through
   */
  get needsSettling(): boolean {
    if (this.hooks !== undefined) return true;
    if (this.sessions === undefined) return false;
    for (const { slot } of this.sessions.values()) if (slot.active) return true;
    return false;
  }

  /** SessionHost: true when an enclosing scope holds a connection of `database`'s source. */
  ancestorHolds(database: Database): boolean {
    for (let scope = this.parent; scope !== undefined; scope = scope.parent) {
      if (scope.sessions === undefined) continue;
      for (const { slot } of scope.sessions.values()) if (slot.holds(database)) return true;
    }
    return false;
  }

  /**
   * Settles every session in creation order by its key's policy: after a failed commit the rest roll
   * back. Every connection is returned exactly once. Then the afterCommit or afterRollback hooks run.
   * Idempotent; never rejects.
   */
  finish(outcome: Outcome): Promise<FinishReport> {
    if (this.finishing !== undefined) return this.finishing;
    const report = this.finishNow(outcome);
    if (report instanceof Promise) return report;
    return (this.finishing ??= Promise.resolve(report));
  }

  /**
   * For adapters (through `endScope`): finish(), but when the scope can settle without waiting (no hooks, and a
   * driver that commits synchronously, as SQLite's does) the report itself instead of a promise, so a
   * response can be let through at once instead of held. Otherwise the promise finish() returns.
   */
  finishNow(outcome: Outcome): FinishReport | Promise<FinishReport> {
    if (this.report !== undefined) return this.report;
    if (this.finishing !== undefined) return this.finishing;
    this._state = "finishing";
    this.outcome = outcome;
    this.releasedAt = undefined; // only a release made while finishing can mark the end
    if (!this.needsSettling) {
      this.closeAll();
      this._state = "finished";
      this.internals.tracker.ended();
      this.result = "none";
      this.ok = true;
      this.endedAt = performance.now();
      if (channels.scopeFinish.hasSubscribers) this.publishFinish(outcome, NOTHING_TO_SETTLE);
      this.finishing = SETTLED;
      this.report = NOTHING_TO_SETTLE;
      return NOTHING_TO_SETTLE;
    }
    const only =
      this.sessions?.size === 1 && this.hooks === undefined ? this.sessions.values().next().value?.slot : undefined;
    if (only === undefined) {
      this.finishing = this.settleAll(outcome);
      return this.finishing;
    }
    // One session and no hooks, most requests: settled now when the driver can, else one then() (not an
    // async body and its await: one promise fewer; see docs/architecture.md on the hot path).
    this.closeAll();
    const decision = decide(only.database.policy, outcome);
    const now = only.settleNow(decision);
    if (now !== undefined && !(now instanceof Promise)) {
      this.report = this.settledOnly(only, decision, outcome, now);
      return this.report;
    }
    this.finishing = (now ?? only.settle(decision, this.internals.finishTimeoutMs)).then((result) =>
      this.settledOnly(only, decision, outcome, result),
    );
    return this.finishing;
  }

  private settledOnly(slot: ConnectionSlot, decision: Decision, outcome: Outcome, result: SessionResult): FinishReport {
    const failure = this.noteSettled(slot, decision, result, isSuccess(outcome), undefined);
    const ok = failure === undefined;
    const results = [result];
    this.result = scopeResult(ok, results);
    this.ok = ok;
    return this.finished(outcome, ok, failure, results);
  }

  // Runs inside settleAll's own async body, so a scope without hooks adds no promise to the request.
  private async afterSettled(
    outcome: Outcome,
    ok: boolean,
    error: SQLScopeError | undefined,
    sessions: SessionResult[],
  ): Promise<FinishReport> {
    this.result = scopeResult(ok, sessions);
    this.ok = ok;
    const hooks = this.hooks;
    if (hooks !== undefined) {
      this.hooks = undefined;
      const policy = this.internals.database(this.registry.defaultKey).policy;
      const kind = hookKindFor(this.result, outcome, policy);
      await runHooks(
        hooks,
        kind,
        this.internals.finishTimeoutMs,
        (w) => this.internals.warn(w),
        (fn) => this.runOutside(fn),
      );
      this.releasedAt = undefined; // the hooks ran after the last release: the end is now
    }
    return this.finished(outcome, ok, error, sessions);
  }

  private finished(
    outcome: Outcome,
    ok: boolean,
    error: SQLScopeError | undefined,
    sessions: SessionResult[],
  ): FinishReport {
    this._state = "finished";
    this.internals.tracker.ended();
    this.endedAt = this.releasedAt ?? performance.now();
    const report: FinishReport = { ok, error, sessions, figures: this.figures };
    if (channels.scopeFinish.hasSubscribers) this.publishFinish(outcome, report);
    return report;
  }

  // Hooks run after the scope ended: in the enclosing scope if any, else in no scope, so getSession()
  // there says "no scope" (the fix: runInScope) instead of "session closed".
  private runOutside<T>(fn: () => T): T {
    return this.parent !== undefined ? storage.run(this.parent, fn) : storage.exit(fn);
  }

  private publishFinish(outcome: Outcome, report: FinishReport): void {
    channels.scopeFinish.publish({
      scope: this,
      outcome,
      ok: report.ok,
      error: report.error === undefined ? undefined : publishedError(report.error, this.internals.errorMessages),
      figures: report.figures ?? this.figures,
    });
  }

  private closeAll(): void {
    if (this.sessions !== undefined) for (const { slot } of this.sessions.values()) slot.close();
  }

  /** Reports what went wrong with one settled session; returns the scope's failure so far. */
  private noteSettled(
    slot: ConnectionSlot,
    decision: Decision,
    result: SessionResult,
    success: boolean,
    failure: SQLScopeError | undefined,
  ): SQLScopeError | undefined {
    if (result.error !== undefined) {
      if (failure === undefined && decision === "commit") failure = result.error;
      else this.internals.warn(result.error);
    }
    if (result.leftOpen === true) {
      const left = new TransactionError(
        `A transaction on "${slot.key}" (commit: "manual") was still open when the scope ended and was rolled back. ` +
          'Call commit() or rollback() before the handler returns, use transaction(fn), or switch the key to commit: "autocommit".',
      );
      // A success status for work that was rolled back would be a lie: it becomes the failure.
      if (success && failure === undefined) failure = left;
      else this.internals.warn(left);
    }
    return failure;
  }

  private async settleAll(outcome: Outcome): Promise<FinishReport> {
    const slots = this.sessions === undefined ? [] : [...this.sessions.values()].map((held) => held.slot);
    this.closeAll();
    const results: SessionResult[] = [];
    let failure: SQLScopeError | undefined;
    const success = isSuccess(outcome);
    for (const slot of slots) {
      const decision = failure === undefined ? decide(slot.database.policy, outcome) : "rollback";
      const result = await slot.settle(decision, this.internals.finishTimeoutMs);
      results.push(result);
      failure = this.noteSettled(slot, decision, result, success, failure);
    }
    const ok = failure === undefined;
    if (this.hooks !== undefined) return this.afterSettled(outcome, ok, failure, results);
    this.result = scopeResult(ok, results);
    this.ok = ok;
    return this.finished(outcome, ok, failure, results);
  }
}

function isSuccess(outcome: Outcome): boolean {
  return "success" in outcome ? outcome.success : outcome.status >= 200 && outcome.status < 400;
}

/**
 * The innermost scope this code runs in, or undefined (adapters; apps use getSession()).
 *
 * @example
 * const scope = currentScope(); // the request's scope inside a handler
 */
export function currentScope(): Scope | undefined {
  // Only Scopes are ever stored (by Scope.run, of this copy of core or another with the same protocol).
  return storage.getStore() as Scope | undefined;
}
