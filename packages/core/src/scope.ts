import { channels, publishedError } from "./diagnostics.ts";
import { HookError, SessionClosedError, TransactionError, type SQLScopeError } from "./errors.ts";
import { settledResult, type ScopeFigures, type SettledResult } from "./figures.ts";
import { hookKindFor, runHooks, type Hook, type HookKind, type RegisteredHook } from "./hooks.ts";
import { decide, type Decision, type Outcome } from "./policy.ts";
import { Session, type DatabaseEntry, type SettleResult } from "./session.ts";
import type { SQLScope } from "./sqlscope.ts";
import { storage } from "./store.ts";

/** What finish() reports. `ok` is false when a commit failed: the adapter must not send a 2xx. */
export interface FinishReport {
  readonly ok: boolean;
  /** The first failure that made the outcome a lie (a failed commit), if any. */
  readonly error: SQLScopeError | undefined;
  readonly sessions: readonly SettleResult[];
  /** What the scope did (keys, statements, waits, result): the same object as `scope.figures` after finish. */
  readonly figures?: ScopeFigures;
}

const NOTHING_TO_SETTLE: FinishReport = Object.freeze({ ok: true, error: undefined, sessions: Object.freeze([]) });
const SETTLED: Promise<FinishReport> = Promise.resolve(NOTHING_TO_SETTLE);

export type ScopeState = "open" | "finishing" | "finished";

/**
 * One unit of work (an HTTP request, a job, a script) with at most one session per database key.
 * Adapters create it with `db.createScope()`, run the handler with `scope.run(fn)`, and call
 * `finish(outcome)` exactly when the outcome is known.
 */
export class Scope {
  readonly registry: SQLScope;
  readonly parent: Scope | undefined;
  private sessions: Map<string, Session> | undefined = undefined;
  private finishing: Promise<FinishReport> | undefined = undefined;
  /** The report of a finish that completed synchronously (finishNow). */
  private report: FinishReport | undefined = undefined;
  private _state: ScopeState = "open";
  private hooks: RegisteredHook[] | undefined = undefined;
  // Figures: plain counters, so a scope that never queries pays two fields and one clock read.
  private readonly startedAt = performance.now();
  private endedAt: number | undefined = undefined;
  // The clock read of the last release: when nothing runs after it (no hooks), it is the scope's end
  // too, and finishing reads the clock once instead of twice.
  private releasedAt: number | undefined = undefined;
  private keysOpened: string[] | undefined = undefined;
  private statements = 0;
  private acquireWaitMs = 0;
  private holdMs = 0;
  private outcome: Outcome | undefined = undefined;
  private result: SettledResult | undefined = undefined;
  private ok: boolean | undefined = undefined;
  private _durable = false;
  /**
   * @internal For adapters: called once, synchronously, the first time this scope gets something to
   * settle (a session's first statement starts taking a connection, or a hook is registered), before
   * that work can yield. Lets node-http install its response gate only for requests that need one.
   * Unset, it costs one property read per statement.
   */
  onActive: (() => void) | undefined = undefined;

  constructor(registry: SQLScope, parent: Scope | undefined) {
    this.registry = registry;
    this.parent = parent;
    registry.tracker.opened();
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
      throw new TypeError(`${kind === "commit" ? "afterCommit" : "afterRollback"}() needs a function, got ${String(fn)}.`);
    }
    if (this._state !== "open") {
      throw new HookError(
        `${kind === "commit" ? "afterCommit" : "afterRollback"}() was called after the scope ended, so it could never run. ` +
          "Register hooks while the request or runInScope function is still running (look for a missing await).",
      );
    }
    (this.hooks ??= []).push({ kind, fn });
  }

  /** What this scope did so far; complete once it finished. */
  get figures(): ScopeFigures {
    return {
      keys: this.keysOpened ?? [],
      statements: this.statements,
      acquireWaitMs: this.acquireWaitMs,
      holdMs: this.holdMs,
      durationMs: this.endedAt === undefined ? undefined : this.endedAt - this.startedAt,
      status: this.outcome !== undefined && "status" in this.outcome ? this.outcome.status : undefined,
      outcome: this.outcome,
      result: this.result,
      ok: this.ok,
    };
  }

  /** True when something of this scope may already be committed for good, so re-running it is unsafe. */
  get durable(): boolean {
    return this._durable;
  }

  /** @internal the scope gets work to settle: runs onActive once, never after the scope started finishing. */
  activate(): void {
    const fn = this.onActive;
    this.onActive = undefined;
    if (fn !== undefined && this._state === "open") fn();
  }

  /** @internal a session took a connection after waiting `waitMs`. */
  recordAcquire(key: string, waitMs: number): void {
    (this.keysOpened ??= []).push(key);
    this.acquireWaitMs += waitMs;
  }

  /** @internal a session returned its connection after holding it `holdMs`, at `at` (performance.now()). */
  recordRelease(holdMs: number, at: number): void {
    this.holdMs += holdMs;
    this.releasedAt = at;
  }

  /** @internal a statement ran. */
  recordStatement(): void {
    this.statements++;
  }

  /** @internal work was committed (or may have been) before the scope ended. */
  recordDurable(): void {
    this._durable = true;
  }

  get state(): ScopeState {
    return this._state;
  }

  /** Runs fn with this scope as the current one. */
  run<T>(fn: () => T): T {
    return storage.run(this, fn);
  }

  /** The session for `key`, created on first use. Takes no connection. */
  session(key: string): Session {
    const existing = this.sessions?.get(key);
    if (existing !== undefined) return existing;
    const entry = this.registry.entry(key);
    if (this._state !== "open") throw new SessionClosedError(key);
    const session = new Session(entry, this);
    (this.sessions ??= new Map()).set(key, session);
    return session;
  }

  /** @internal the session for `key` if this scope made one, without making it (read routing). */
  peek(key: string): Session | undefined {
    return this.sessions?.get(key);
  }

  /** True when some session holds or is taking a connection, or hooks wait: finish() has work to do. */
  get needsSettling(): boolean {
    if (this.hooks !== undefined) return true;
    if (this.sessions === undefined) return false;
    for (const session of this.sessions.values()) if (session.active) return true;
    return false;
  }

  /** True when this scope or an enclosing one holds a connection of `entry`'s pool. */
  ancestorHolds(entry: DatabaseEntry): boolean {
    for (let scope = this.parent; scope !== undefined; scope = scope.parent) {
      if (scope.sessions === undefined) continue;
      for (const session of scope.sessions.values()) if (session.holds(entry)) return true;
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
   * @internal For adapters: finish(), but when the scope can settle without waiting (no hooks, and a
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
      this.registry.tracker.ended();
      this.result = "none";
      this.ok = true;
      this.endedAt = performance.now();
      if (channels.scopeFinish.hasSubscribers) this.publishFinish(outcome, NOTHING_TO_SETTLE);
      this.finishing = SETTLED;
      this.report = NOTHING_TO_SETTLE;
      return NOTHING_TO_SETTLE;
    }
    const only = this.sessions?.size === 1 && this.hooks === undefined ? this.sessions.values().next().value : undefined;
    if (only === undefined) {
      this.finishing = this.settleAll(outcome);
      return this.finishing;
    }
    // One session and no hooks, most requests: settled now when the driver can, else one then() (not an
    // async body and its await: one promise fewer where async_hooks make each cost, on Node 20).
    this.closeAll();
    const decision = decide(only.policy, outcome);
    const now = only.settleNow(decision);
    if (now !== undefined && !(now instanceof Promise)) {
      this.report = this.settledOnly(only, decision, outcome, now);
      return this.report;
    }
    this.finishing = (now ?? only.settle(decision, this.registry.finishTimeoutMs)).then((result) => this.settledOnly(only, decision, outcome, result));
    return this.finishing;
  }

  private settledOnly(session: Session, decision: Decision, outcome: Outcome, result: SettleResult): FinishReport {
    const failure = this.noteSettled(session, decision, result, isSuccess(outcome), undefined);
    const ok = failure === undefined;
    const results = [result];
    this.result = settledResult(ok, results);
    this.ok = ok;
    return this.finished(outcome, ok, failure, results);
  }

  // On Node 20 every promise pays for async_hooks once an AsyncLocalStorage exists: this runs inside
  // settleAll's own async body so a scope without hooks adds no promise to the request.
  private async afterSettled(outcome: Outcome, ok: boolean, error: SQLScopeError | undefined, sessions: SettleResult[]): Promise<FinishReport> {
    this.result = settledResult(ok, sessions);
    this.ok = ok;
    const hooks = this.hooks;
    if (hooks !== undefined) {
      this.hooks = undefined;
      const policy = this.registry.entry(this.registry.defaultKey).policy;
      const kind = hookKindFor(this.result, outcome, policy);
      await runHooks(hooks, kind, this.registry.finishTimeoutMs, (w) => this.registry.warn(w), (fn) => this.runOutside(fn));
      this.releasedAt = undefined; // the hooks ran after the last release: the end is now
    }
    return this.finished(outcome, ok, error, sessions);
  }

  private finished(outcome: Outcome, ok: boolean, error: SQLScopeError | undefined, sessions: SettleResult[]): FinishReport {
    this._state = "finished";
    this.registry.tracker.ended();
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
      error: report.error === undefined ? undefined : publishedError(report.error, this.registry.errorMessages),
      figures: report.figures ?? this.figures,
    });
  }

  private closeAll(): void {
    if (this.sessions !== undefined) for (const session of this.sessions.values()) session.close();
  }

  /** Reports what went wrong with one settled session; returns the scope's failure so far. */
  private noteSettled(
    session: Session,
    decision: Decision,
    result: SettleResult,
    success: boolean,
    failure: SQLScopeError | undefined,
  ): SQLScopeError | undefined {
    if (result.error !== undefined) {
      if (failure === undefined && decision === "commit") failure = result.error;
      else this.registry.warn(result.error);
    }
    if (result.leftOpen === true) {
      const left = new TransactionError(
        `A transaction on "${session.key}" (commit: "manual") was still open when the scope ended and was rolled back. ` +
          'Call commit() or rollback() before the handler returns, use transaction(fn), or switch the key to commit: "autocommit".',
      );
      // A success status for work that was rolled back would be a lie: it becomes the failure.
      if (success && failure === undefined) failure = left;
      else this.registry.warn(left);
    }
    return failure;
  }

  private async settleAll(outcome: Outcome): Promise<FinishReport> {
    const sessions = this.sessions === undefined ? [] : [...this.sessions.values()];
    this.closeAll();
    const results: SettleResult[] = [];
    let failure: SQLScopeError | undefined;
    const success = isSuccess(outcome);
    for (const session of sessions) {
      const decision = failure === undefined ? decide(session.policy, outcome) : "rollback";
      const result = await session.settle(decision, this.registry.finishTimeoutMs);
      results.push(result);
      failure = this.noteSettled(session, decision, result, success, failure);
    }
    const ok = failure === undefined;
    if (this.hooks !== undefined) return this.afterSettled(outcome, ok, failure, results);
    this.result = settledResult(ok, results);
    this.ok = ok;
    return this.finished(outcome, ok, failure, results);
  }
}

function isSuccess(outcome: Outcome): boolean {
  return "success" in outcome ? outcome.success : outcome.status >= 200 && outcome.status < 400;
}

/** The innermost open scope, or undefined. */
export function currentScope(): Scope | undefined {
  return storage.getStore();
}
