// Graceful shutdown: what db.close() does. It needs to know which scopes are still in flight, so every
// scope counts itself in and out (two integer operations per scope: no Set, no promise, no timer on
// the request path; the waiting and the report exist only once close() was called).
import type { ConnectionPool } from "./pool/pool.ts";

/** What `db.close()` accepts. */
export interface CloseOptions {
  /**
   * How long scopes in flight may take to finish on their own (default 10 000 ms). After that their
   * connections are destroyed, so the server rolls back whatever they had not committed.
   */
  timeoutMs?: number;
}

/** What `db.close()` did, for the shutdown log. */
export interface CloseReport {
  /** Scopes open when close() was called. */
  readonly inFlight: number;
  /** Scopes that ended on their own before the deadline (nested scopes opened meanwhile included). */
  readonly finished: number;
  /** Scopes still open at the deadline: their work was rolled back (connection destroyed) and will fail. */
  readonly abandoned: number;
  /** Connections still borrowed at the deadline, destroyed instead of returned (the server rolls them back). */
  readonly destroyed: number;
  /** New scopes refused with ShutdownError while closing. */
  readonly refused: number;
  /** From close() to every pool drained and every driver closed. */
  readonly durationMs: number;
}

/** @internal Counts a SQLScope's open scopes and, once closing, wakes close() when none is left. */
export class ScopeTracker {
  /** Scopes created and not finished yet. */
  open = 0;
  closing = false;
  refused = 0;
  private endedWhileClosing = 0;
  private wake: (() => void) | undefined = undefined;

  opened(): void {
    this.open++;
  }

  ended(): void {
    this.open--;
    if (!this.closing) return;
    this.endedWhileClosing++;
    if (this.open === 0 && this.wake !== undefined) this.wake();
  }

  /**
   * Refuses new scopes from now on, waits up to `timeoutMs` for the open ones to end, runs
   * `beforeDrain`, then destroys what is still borrowed from `pools` and closes them with `closeDrivers`.
   */
  async close(
    pools: readonly ConnectionPool[],
    beforeDrain: () => Promise<unknown>,
    closeDrivers: () => Promise<void>,
    timeoutMs: number,
  ): Promise<CloseReport> {
    const started = performance.now();
    this.closing = true;
    const inFlight = this.open;
    if (this.open > 0) await this.idle(timeoutMs);
    const abandoned = this.open;
    await beforeDrain();
    let destroyed = 0;
    // Nothing left to wait for (or nobody to wait for any longer): what is still borrowed is destroyed now.
    for (const pool of pools) {
      destroyed += pool.leased;
      await pool.drain(0);
    }
    await closeDrivers();
    return {
      inFlight,
      finished: this.endedWhileClosing,
      abandoned,
      destroyed,
      refused: this.refused,
      durationMs: Math.round(performance.now() - started),
    };
  }

  private idle(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      // setTimeout fires at once for more than 2^31-1 ms (Infinity included): cap it instead.
      const timer = setTimeout(done, Math.min(timeoutMs, 2_147_483_647));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
