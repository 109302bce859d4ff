// What each diagnostics_channel message carries (the channels themselves are in channels.ts).
import type { Outcome, ScopeFigures, ScopeView } from "./outcome.ts";

/** A scope opened (published synchronously in the caller's async context, so tracers find their parent span). */
export interface ScopeStartMessage {
  readonly scope: ScopeView;
}

/** A scope settled: every session committed or rolled back, hooks ran, connections returned. */
export interface ScopeFinishMessage {
  readonly scope: ScopeView;
  readonly outcome: Outcome;
  readonly ok: boolean;
  readonly error: Error | undefined;
  readonly figures: ScopeFigures;
}

/** Fields every per-connection message carries. */
interface SessionMessage {
  readonly scope: ScopeView;
  readonly key: string;
  /** The driver's name: "sqlite", "postgres", "mysql", "duckdb", ... */
  readonly driver: string;
}

/** A connection was taken from the pool (or the attempt failed after `waitMs`). */
export interface AcquireMessage extends SessionMessage {
  readonly waitMs: number;
  readonly error?: Error;
}

/**
 * One statement ran. `sql` is the text sent to the driver (native placeholders); parameters are never
 * published, and neither is a database message that may repeat them (see publishedError).
 */
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
