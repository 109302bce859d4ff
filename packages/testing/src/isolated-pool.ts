import { ConnectionPool, type Driver, type Lease, type PoolStats } from "@sqlscope/core";
import type { SharedConnection } from "./shared-connection.ts";
import type { TurnConnection } from "./turn-connection.ts";

/**
 * Stands in for a key's pool during an isolated test: every acquire is a turn on the test's shared
 * connection. It reports max 1, so the core refuses (SecondConnectionError) an isolated scope nested in
 * one that holds the key, which would otherwise wait for its own parent's turn.
 */
export class IsolatedPool extends ConnectionPool {
  private readonly shared: SharedConnection;
  private readonly real: ConnectionPool;
  private readonly ours = new WeakMap<Lease, TurnConnection>();
  private readonly endTest: () => Promise<void>;

  /** `endTest` rolls the whole isolation back (every key) and puts the real pools back. */
  constructor(shared: SharedConnection, real: ConnectionPool, driver: Driver, endTest: () => Promise<void>) {
    // The base pool is never started (min 0, acquire overridden): it only gives this object the pool's shape.
    super(real.key, driver, { min: 0, max: 1, leakDetectionMs: 0 }, () => undefined);
    this.shared = shared;
    this.real = real;
    this.endTest = endTest;
  }

  override async acquire(): Promise<Lease> {
    const conn = await this.shared.take();
    const lease: Lease = { conn, acquiredAt: Date.now(), taker: undefined, reported: false };
    this.ours.set(lease, conn);
    return lease;
  }

  override async release(lease: Lease, destroy = false): Promise<void> {
    const conn = this.ours.get(lease);
    if (conn === undefined) {
      // A scope that took its connection before the test began gives it back where it came from.
      await this.real.release(lease, destroy);
      return;
    }
    this.ours.delete(lease);
    await this.shared.give(conn, destroy);
  }

  override stats(): PoolStats {
    const turns = this.shared.stats();
    return { size: 1, borrowed: turns.held ? 1 : 0, idle: turns.held ? 0 : 1, pending: turns.waiting, max: 1 };
  }

  /** db.close() during a test: the test's work is rolled back before the real pool drains. */
  override async drain(timeoutMs?: number): Promise<void> {
    await this.endTest();
    await this.real.drain(timeoutMs);
  }
}
