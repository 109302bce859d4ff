import diagnostics from "node:diagnostics_channel";
import type { Outcome } from "./policy.ts";
import type { Scope } from "./scope.ts";
import type { ScopeFigures } from "./figures.ts";

// Every message is built only after `hasSubscribers` said someone listens: with no subscriber the
// cost of a publishing site is one property read.

/** The names of sqlscope's `node:diagnostics_channel` channels. Subscribe with `diagnostics_channel.subscribe(name, fn)`. */
export const CHANNELS = {
  scopeStart: "sqlscope:scope:start",
  scopeFinish: "sqlscope:scope:finish",
  acquire: "sqlscope:acquire",
  query: "sqlscope:query",
  commit: "sqlscope:commit",
  rollback: "sqlscope:rollback",
  release: "sqlscope:release",
  retry: "sqlscope:retry",
} as const;

/** A scope opened (published synchronously in the caller's async context, so tracers find their parent span). */
export interface ScopeStartMessage {
  readonly scope: Scope;
}

/** A scope settled: every session committed or rolled back, hooks ran, connections returned. */
export interface ScopeFinishMessage {
  readonly scope: Scope;
  readonly outcome: Outcome;
  readonly ok: boolean;
  readonly error: Error | undefined;
  readonly figures: ScopeFigures;
}

/** Fields every per-connection message carries. */
interface SessionMessage {
  readonly scope: Scope;
  readonly key: string;
  /** The driver's name: "sqlite", "postgres", "mysql", "duckdb", ... */
  readonly driver: string;
}

/** A connection was taken from the pool (or the attempt failed after `waitMs`). */
export interface AcquireMessage extends SessionMessage {
  readonly waitMs: number;
  readonly error?: Error;
}

/** One statement ran. `sql` is the text sent to the driver (native placeholders); parameters are never published. */
export interface QueryMessage extends SessionMessage {
  readonly sql: string;
  readonly durationMs: number;
  /** Rows returned (rows streamed, for stream()). */
  readonly rows: number;
  readonly rowsAffected: number;
  readonly error?: Error;
}

/** The scope's transaction (or a manual begin()/transaction()) ended. */
export interface TransactionMessage extends SessionMessage {
  readonly durationMs: number;
  readonly error?: Error;
}

/** A connection went back to the pool (or was destroyed) after being held for `holdMs`. */
export interface ReleaseMessage extends SessionMessage {
  readonly holdMs: number;
  readonly destroyed: boolean;
}

/** runInScope(fn, { retry }) is about to re-run after `error`, waiting `delayMs` first. */
export interface RetryMessage {
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: Error;
}

export const channels = {
  scopeStart: diagnostics.channel(CHANNELS.scopeStart),
  scopeFinish: diagnostics.channel(CHANNELS.scopeFinish),
  acquire: diagnostics.channel(CHANNELS.acquire),
  query: diagnostics.channel(CHANNELS.query),
  commit: diagnostics.channel(CHANNELS.commit),
  rollback: diagnostics.channel(CHANNELS.rollback),
  release: diagnostics.channel(CHANNELS.release),
  retry: diagnostics.channel(CHANNELS.retry),
};
