import type { DriverConnection } from "../driver.ts";

/**
 * Connections returned recently, most recent last. generic-pool still counts them as borrowed; taking
 * one back costs no promise and no timer (generic-pool arms an acquireTimeoutMillis timer on every
 * acquire, idle connection or not). Only connections `fresh` says need no validation stay here: older
 * ones go back to generic-pool through `giveBack`, which validates them before handing them out.
 */
export class WarmStack {
  private readonly stack: DriverConnection[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fresh: (conn: DriverConnection, now: number) => boolean,
    private readonly giveBack: (conns: readonly DriverConnection[]) => void,
    /** How often stale ones are looked for: warm connections are invisible to generic-pool's evictor. */
    private readonly sweepEveryMs: number,
  ) {}

  get length(): number {
    return this.stack.length;
  }

  push(conn: DriverConnection): void {
    this.stack.push(conn);
    if (this.sweepTimer === undefined) this.startSweep();
  }

  /**
   * The most recently returned connection, when fresh. When the top one is stale, every one below it
   * is older: all of them go back.
   */
  take(now: number): DriverConnection | undefined {
    const conn = this.stack.pop();
    if (conn === undefined) return undefined;
    if (this.fresh(conn, now)) return conn;
    this.stack.push(conn);
    this.returnOldest(this.stack.length);
    return undefined;
  }

  /** Gives every connection back and stops sweeping. */
  clear(): void {
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.returnOldest(this.stack.length);
  }

  private returnOldest(count: number): void {
    if (count > 0) this.giveBack(this.stack.splice(0, count));
  }

  private startSweep(): void {
    this.sweepTimer = setInterval(() => {
      const now = Date.now();
      let stale = 0;
      for (const conn of this.stack) {
        if (this.fresh(conn, now)) break;
        stale++;
      }
      this.returnOldest(stale);
    }, this.sweepEveryMs);
    this.sweepTimer.unref();
  }
}
