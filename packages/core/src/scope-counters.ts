import type { Outcome, ScopeFigures, ScopeResult } from "./outcome.ts";

/**
 * What a scope counts as it runs (the figures adapters and logs read), kept on the scope itself as
 * plain fields: a scope that never queries pays two fields and one clock read. Scope extends it, so
 * the counters cost no object of their own.
 */
export abstract class ScopeCounters {
  protected readonly startedAt = performance.now();
  protected endedAt: number | undefined = undefined;
  // The clock read of the last release: when nothing runs after it (no hooks), it is the scope's end
  // too, and finishing reads the clock once instead of twice.
  protected releasedAt: number | undefined = undefined;
  protected keysOpened: string[] | undefined = undefined;
  protected statements = 0;
  protected acquireWaitMs = 0;
  protected holdMs = 0;
  protected outcome: Outcome | undefined = undefined;
  protected result: ScopeResult | undefined = undefined;
  protected ok: boolean | undefined = undefined;
  protected _durable = false;

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

  /** SessionHost: a session took a connection after waiting `waitMs`. */
  recordAcquire(key: string, waitMs: number): void {
    (this.keysOpened ??= []).push(key);
    this.acquireWaitMs += waitMs;
  }

  /** SessionHost: a session returned its connection after holding it `holdMs`, at `at` (performance.now()). */
  recordRelease(holdMs: number, at: number): void {
    this.holdMs += holdMs;
    this.releasedAt = at;
  }

  /** SessionHost: a statement ran. */
  recordStatement(): void {
    this.statements++;
  }

  /** SessionHost: work was committed (or may have been) before the scope ended. */
  recordDurable(): void {
    this._durable = true;
  }
}
