import { type ConnectionSource, type Lease, type PoolStats } from "@sqlscope/core/testing";
import type { SharedConnection } from "./shared-connection.ts";
import type { TurnConnection } from "./turn-connection.ts";

/**
 * Stands in for a key's pool during an isolated test (through core's replaceConnectionSource): every
 * acquire is a turn on the test's shared connection. It reports max 1, so the core refuses
 * (SecondConnectionError) an isolated scope nested in one that holds the key, which would otherwise
 * wait for its own parent's turn.
 */
export class IsolatedSource implements ConnectionSource {
  readonly max = 1;
  private readonly shared: SharedConnection;
  private readonly real: ConnectionSource;
  private readonly ours = new WeakMap<Lease, TurnConnection>();
  private readonly endTest: () => Promise<void>;

  /** `endTest` rolls the whole isolation back (every key) and puts the real sources back. */
  constructor(shared: SharedConnection, real: ConnectionSource, endTest: () => Promise<void>) {
    this.shared = shared;
    this.real = real;
    this.endTest = endTest;
  }

  /** A turn is always awaited: the session takes its asynchronous path. */
  tryAcquire(): undefined {
    return undefined;
  }

  async acquire(): Promise<Lease> {
    const conn = await this.shared.take();
    const lease: Lease = { conn, acquiredAt: Date.now(), taker: undefined, reported: false };
    this.ours.set(lease, conn);
    return lease;
  }

  async release(lease: Lease, destroy: boolean): Promise<void> {
    const conn = this.ours.get(lease);
    if (conn === undefined) {
      // A scope that took its connection before the test began gives it back where it came from.
      await this.real.release(lease, destroy);
      return;
    }
    this.ours.delete(lease);
    await this.shared.give(conn, destroy);
  }

  stats(): PoolStats {
    const turns = this.shared.stats();
    return { size: 1, borrowed: turns.held ? 1 : 0, idle: turns.held ? 0 : 1, pending: turns.waiting, max: 1 };
  }

  /** db.close() during a test: the test's work is rolled back before the real pool drains. */
  onClose(): Promise<void> {
    return this.endTest();
  }
}
