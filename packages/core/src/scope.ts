import { AsyncLocalStorage } from "node:async_hooks";
import { SessionClosedError, TransactionError, type SQLScopeError } from "./errors.ts";
import { decide, type Outcome } from "./policy.ts";
import { Session, type DatabaseEntry, type SettleResult } from "./session.ts";
import type { SQLScope } from "./sqlscope.ts";

/**
 * The one AsyncLocalStorage of sqlscope, module-private so nobody can `enterWith` into it. One `run`
 * per scope; everything after that mutates the scope object.
 */
export const storage = new AsyncLocalStorage<Scope>();

/** What finish() reports. `ok` is false when a commit failed: the adapter must not send a 2xx. */
export interface FinishReport {
  readonly ok: boolean;
  /** The first failure that made the outcome a lie (a failed commit), if any. */
  readonly error: SQLScopeError | undefined;
  readonly sessions: readonly SettleResult[];
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
  private _state: ScopeState = "open";

  constructor(registry: SQLScope, parent: Scope | undefined) {
    this.registry = registry;
    this.parent = parent;
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

  /** True when some session holds or is taking a connection, so finish() has work to do. */
  get needsSettling(): boolean {
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
   * back. Every connection is returned exactly once. Idempotent; never rejects.
   */
  finish(outcome: Outcome): Promise<FinishReport> {
    if (this.finishing !== undefined) return this.finishing;
    this._state = "finishing";
    if (this.sessions === undefined || !this.needsSettling) {
      this.closeAll();
      this._state = "finished";
      this.finishing = SETTLED;
      return SETTLED;
    }
    this.finishing = this.settleAll(outcome);
    return this.finishing;
  }

  private closeAll(): void {
    if (this.sessions !== undefined) for (const session of this.sessions.values()) session.close();
  }

  private async settleAll(outcome: Outcome): Promise<FinishReport> {
    const sessions = [...(this.sessions as Map<string, Session>).values()];
    this.closeAll();
    const results: SettleResult[] = [];
    let failure: SQLScopeError | undefined;
    const success = isSuccess(outcome);
    for (const session of sessions) {
      const decision = failure === undefined ? decide(session.policy, outcome) : "rollback";
      const result = await session.settle(decision, this.registry.finishTimeoutMs);
      results.push(result);
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
    }
    this._state = "finished";
    return { ok: failure === undefined, error: failure, sessions: results };
  }
}

function isSuccess(outcome: Outcome): boolean {
  return "success" in outcome ? outcome.success : outcome.status >= 200 && outcome.status < 400;
}

/** The innermost open scope, or undefined. */
export function currentScope(): Scope | undefined {
  return storage.getStore();
}
