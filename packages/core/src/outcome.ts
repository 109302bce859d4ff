// The vocabulary of how scopes and sessions end: what an adapter tells a scope (Outcome), what the
// policy decides (Decision), what each session and the whole scope came to (SessionResult,
// ScopeResult, FinishReport), and what observers can read of a scope (ScopeView, ScopeFigures).
import type { SQLScopeError } from "./errors.ts";

/** How a scope ended: an HTTP status, or whether a script's function resolved. */
export type Outcome = { readonly status: number } | { readonly success: boolean };

/** What the commit policy makes of an outcome for one key. */
export type Decision = "commit" | "rollback";

/** How one session ended, as `finish()` reports it. */
export interface SessionResult {
  readonly key: string;
  readonly action: "none" | "commit" | "rollback";
  /** Set when the commit failed (the scope's outcome becomes a failure) or a rollback failed. */
  readonly error?: SQLScopeError;
  /** Manual mode: a transaction was still open when the scope ended. */
  readonly leftOpen?: boolean;
}

/** What happened to a whole scope's transactions: "none" when no session had one open when it ended. */
export type ScopeResult = "commit" | "rollback" | "none";

/** A rollback anywhere wins; otherwise a commit anywhere; otherwise nothing was settled. */
export function scopeResult(ok: boolean, sessions: readonly SessionResult[]): ScopeResult {
  if (!ok) return "rollback";
  let result: ScopeResult = "none";
  for (const session of sessions) {
    if (session.action === "rollback") return "rollback";
    if (session.action === "commit") result = "commit";
  }
  return result;
}

/**
 * What one scope did, for loggers and metrics: read `scope.figures` (or `report.figures` from finish())
 * once the scope finished.
 *
 * @example
 * res.on("finish", () => logger.info({ status: res.statusCode, ...scope.figures }, "request"));
 */
export interface ScopeFigures {
  /** Database keys that took a connection, in the order they did. */
  readonly keys: readonly string[];
  /** Statements run (execute, select*, executeMany, executeScript, stream). */
  readonly statements: number;
  /** Time spent waiting for pool connections, summed over keys (ms). */
  readonly acquireWaitMs: number;
  /** Time connections were held, summed over keys (ms). */
  readonly holdMs: number;
  /** From the scope's creation to the end of finish(), hooks included (ms); undefined while it runs. */
  readonly durationMs: number | undefined;
  /** The HTTP status the scope was finished with (undefined outside HTTP). */
  readonly status: number | undefined;
  /** What finish() was given: an HTTP status or a script's success. Undefined while the scope runs. */
  readonly outcome: Outcome | undefined;
  /** What happened to the transactions: "none" when no session had one open when the scope ended. */
  readonly result: ScopeResult | undefined;
  /** False when a commit failed (the client got a 5xx instead of its success). */
  readonly ok: boolean | undefined;
}

/** What finish() reports. `ok` is false when a commit failed: the adapter must not send a 2xx. */
export interface FinishReport {
  readonly ok: boolean;
  /** The first failure that made the outcome a lie (a failed commit), if any. */
  readonly error: SQLScopeError | undefined;
  readonly sessions: readonly SessionResult[];
  /** What the scope did (keys, statements, waits, result): the same object as `scope.figures` after finish. */
  readonly figures?: ScopeFigures;
}

/** A scope is open until finish() starts, finishing while its sessions settle and hooks run, then finished. */
export type ScopeState = "open" | "finishing" | "finished";

/**
 * What observers of the diagnostics channels can read of a scope. It is the scope object itself
 * (one per request or runInScope, the same object on every event of that scope, so it can key a
 * WeakMap of spans).
 */
export interface ScopeView {
  readonly state: ScopeState;
  /** The enclosing scope (a nested runInScope), if any. */
  readonly parent: ScopeView | undefined;
  /** What the scope did so far; complete once it finished. */
  readonly figures: ScopeFigures;
  /** True when something of the scope may already be committed for good, so re-running it is unsafe. */
  readonly durable: boolean;
}
