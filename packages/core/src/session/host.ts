import type { Database } from "../database.ts";
import type { TransactionIntent } from "../driver.ts";
import type { Hook } from "../hooks.ts";
import type { ScopeView } from "../outcome.ts";

/**
 * What a session may ask of the scope it belongs to (the Scope implements it): to be told about the
 * work it starts, takes and gives back, whether an enclosing scope holds a connection it would wait
 * for, and where hooks go. Nothing else of the scope is within a session's reach.
 */
export interface SessionHost extends ScopeView {
  /** The adapter's first-work callback is still pending: activate() before the work can yield. */
  readonly activationPending: boolean;
  /** What the scope means to do (an adapter's guess from the HTTP method, or runInScope's option): a hint for BEGIN. */
  readonly intent: TransactionIntent | undefined;
  /** Runs the adapter's first-work callback once (it may end the scope: its response already ended). */
  activate(): void;
  /** True when an enclosing scope holds (or is taking) a connection of `database`'s source. */
  ancestorHolds(database: Database): boolean;
  recordAcquire(key: string, waitMs: number): void;
  recordRelease(holdMs: number, at: number): void;
  recordStatement(): void;
  /** Work was committed (or may have been) before the scope ended: re-running the scope is unsafe. */
  recordDurable(): void;
  /** Events carry database error messages (SQLScopeOptions.diagnostics.errorMessages). */
  readonly errorMessages: boolean;
  afterCommit(fn: Hook): void;
  afterRollback(fn: Hook): void;
}
