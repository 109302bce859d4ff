import { createPool, type Pool } from "generic-pool";
import { RELEASED, type ConnectionSource, type Lease, type PoolStats } from "../connection-source.ts";
import type { Driver, DriverConnection } from "../driver.ts";
import { PoolTimeoutError, ShutdownError } from "../errors.ts";
import { connectWithin, sleep, validateWithin } from "./connect.ts";
import { captureStack, formatTaker, LeakWarning, watchLeaks } from "./leaks.ts";
import { DEFAULT_POOL_OPTIONS, validatePoolOptions, type PoolOptions } from "./options.ts";
import { WaiterQueue } from "./waiters.ts";
import { WarmStack } from "./warm.ts";

/** What the pool keeps per connection. */
interface Meta {
  idleSince: number;
  expiresAt: number;
}

/**
 * generic-pool, hardened: acquire always has a deadline, failing connects back off instead of spinning,
 * validation is bounded and never rejects, eviction runs, connections in a transaction or in an unknown
 * state are destroyed instead of returned, and long leases are reported with the stack that took them.
 */
export class ConnectionPool implements ConnectionSource {
  readonly key: string;
  readonly options: PoolOptions;
  private readonly pool: Pool<DriverConnection>;
  private readonly meta = new WeakMap<DriverConnection, Meta>();
  private readonly leases = new Set<Lease>();
  private failures = 0;
  private lastCreateError: unknown = undefined;
  private lastCreateErrorAt = 0;
  /** Date.now() when a lent connection last came back broken or to be destroyed. */
  private lastLossAt = 0;
  private leakTimer: NodeJS.Timeout | undefined;
  /**
   * Capturing the taker's stack costs 5-15 us per checkout on Node 20 (more than a whole SQLite request
   * written by hand), so it is on from the start only when leakDetectionMs was set explicitly; with the
   * default, leaks are still reported and capture switches on after the pool's first one.
   */
  private captureStacks: boolean;
  /** connect() calls under way: an acquire that times out while one runs is waiting on the database. */
  private connecting = 0;
  private draining = false;
  private readonly onWarning: (warning: Error) => void;
  /** Connections returned recently, lent again without generic-pool. */
  private readonly warm: WarmStack;
  /** acquire() calls waiting on generic-pool: a returned connection must go to generic-pool to serve them. */
  private waiting = 0;
  /** acquire() calls waiting while every connection is lent: a returned one goes straight to the oldest. */
  private readonly waiters = new WaiterQueue();

  constructor(key: string, driver: Driver, options: Partial<PoolOptions>, onWarning: (warning: Error) => void) {
    this.key = key;
    this.options = validatePoolOptions(key, { ...DEFAULT_POOL_OPTIONS, ...driver.pool, ...options });
    this.onWarning = onWarning;
    const o = this.options;
    this.warm = new WarmStack(
      (conn, now) => this.fresh(conn, now),
      (conns) => this.returnWarm(conns),
      Math.max(10, Math.min(o.validateAfterIdleMs, o.evictionIntervalMs || Infinity)),
    );
    this.captureStacks = (options.leakDetectionMs ?? driver.pool?.leakDetectionMs) !== undefined;
    this.pool = createPool<DriverConnection>(
      {
        create: () => this.create(driver),
        destroy: async (conn) => {
          try {
            await conn.close();
          } catch {
            // A connection being destroyed is already untrusted; a failing close changes nothing.
          }
        },
        validate: (conn) => this.validate(conn),
      },
      {
        min: o.min,
        max: o.max,
        acquireTimeoutMillis: o.acquireTimeoutMs,
        // generic-pool reads idleTimeoutMillis 0 as "evict everything idle"; ours means "never evict".
        idleTimeoutMillis: o.idleTimeoutMs > 0 ? o.idleTimeoutMs : Number.MAX_SAFE_INTEGER,
        evictionRunIntervalMillis: o.idleTimeoutMs > 0 ? o.evictionIntervalMs : 0,
        testOnBorrow: true,
        autostart: o.min > 0,
      },
    );
  }

  private async create(driver: Driver): Promise<DriverConnection> {
    if (this.failures > 0) {
      // generic-pool re-dispenses at once after a failed create; the delay here is what stops the spin.
      // Capped at half the acquire deadline so a waiter always gets an attempt before it times out, and
      // counted from the last failure so the first request after a quiet outage does not wait at all.
      const base = Math.min(
        this.options.createBackoffMaxMs,
        this.options.acquireTimeoutMs / 2,
        this.options.createBackoffMs * 2 ** (this.failures - 1),
      );
      const wait = this.lastCreateErrorAt + base * (0.75 + Math.random() * 0.25) - Date.now();
      if (wait > 0) await sleep(wait);
    }
    // While draining, a waiter queued before drain() is still served (acquire() then destroys the
    // connection and answers ShutdownError), so generic-pool's drain can finish. With nobody waiting
    // there is nothing to connect for; counting it as a failure makes generic-pool's immediate retry
    // back off instead of spinning (a rejected create used to be retried in a microtask loop).
    if (this.draining && this.waiting === 0) {
      this.failures++;
      this.lastCreateErrorAt = Date.now();
      throw new Error("the pool is closing");
    }
    this.connecting++;
    try {
      const conn = await connectWithin(driver, this.options.acquireTimeoutMs);
      this.failures = 0;
      const lifetime = this.options.maxLifetimeMs;
      this.meta.set(conn, {
        idleSince: Date.now(),
        expiresAt: lifetime > 0 ? Date.now() + lifetime * (1 - Math.random() * 0.025) : Infinity,
      });
      return conn;
    } catch (error) {
      this.failures++;
      this.lastCreateError = error;
      this.lastCreateErrorAt = Date.now();
      throw error;
    } finally {
      this.connecting--;
    }
  }

  private async validate(conn: DriverConnection): Promise<boolean> {
    if (conn.broken) return false;
    const meta = this.meta.get(conn);
    if (meta === undefined) return false;
    if (Date.now() > meta.expiresAt) return false;
    if (Date.now() - meta.idleSince < this.options.validateAfterIdleMs) return true;
    return validateWithin(conn, this.options.validationTimeoutMs);
  }

  /**
   * A warm connection at once, or undefined when none is idle: the caller then awaits acquire().
   * Synchronous so that the common checkout creates no promise at all.
   *
   * @example
   * const lease = pool.tryAcquire() ?? (await pool.acquire());
   */
  tryAcquire(): Lease | undefined {
    const now = Date.now();
    const conn = this.warm.take(now);
    if (conn === undefined) return undefined;
    const detect = this.options.leakDetectionMs > 0;
    const taker = detect && this.captureStacks ? captureStack(ConnectionPool.prototype.tryAcquire) : undefined;
    return this.lend(conn, taker, detect, now);
  }

  /** Borrows a connection, or fails with PoolTimeoutError within `acquireTimeoutMs`. */
  async acquire(): Promise<Lease> {
    const detect = this.options.leakDetectionMs > 0;
    const taker = detect && this.captureStacks ? captureStack(ConnectionPool.prototype.acquire) : undefined;
    const now = Date.now();
    let conn = this.warm.take(now);
    if (conn !== undefined) return this.lend(conn, taker, detect, now);
    if (this.waiters.length > 0) this.refill();
    conn = this.full()
      ? await this.waiters.wait(this.options.acquireTimeoutMs, () => this.timeoutError(undefined))
      : await this.fromPool();
    if (this.draining) {
      // generic-pool still serves waiters queued before drain(), and then waits for what it lent: a
      // lease made now would hold db.close() past its deadline.
      this.pool.destroy(conn).catch(() => undefined);
      throw new ShutdownError();
    }
    return this.lend(conn, taker, detect, Date.now());
  }

  /**
   * Every connection there may be is lent and none is idle: only a release can serve the next acquire.
   * Never with validateAfterIdleMs 0, where every checkout goes through generic-pool's validation.
   */
  private full(): boolean {
    return this.options.validateAfterIdleMs > 0 && this.pool.spareResourceCapacity <= 0 && this.pool.available === 0;
  }

  private async fromPool(): Promise<DriverConnection> {
    this.waiting++;
    try {
      return await this.pool.acquire();
    } catch (error) {
      throw this.timeoutError(error);
    } finally {
      this.waiting--;
    }
  }

  private timeoutError(error: unknown): PoolTimeoutError {
    const recentFailure =
      this.lastCreateError !== undefined && Date.now() - this.lastCreateErrorAt < this.options.acquireTimeoutMs + 1000;
    return new PoolTimeoutError(
      this.key,
      this.options.acquireTimeoutMs,
      { borrowed: this.pool.borrowed - this.warm.length, max: this.pool.max, pending: this.pending },
      recentFailure
        ? this.lastCreateError
        : isDraining(error)
          ? error
          : this.connecting > 0
            ? new Error(`a new connection was still being opened after ${this.options.acquireTimeoutMs} ms`)
            : undefined,
    );
  }

  private get pending(): number {
    return this.pool.pending + this.waiters.length;
  }

  /**
   * Room appeared in generic-pool (a connection destroyed, stale ones given back to it): the oldest
   * waiters take it from there, as many as it can serve beyond its own queue.
   */
  private refill(): void {
    for (let room = this.pool.spareResourceCapacity + this.pool.available - this.pool.pending; room > 0; room--) {
      const waiter = this.waiters.take();
      if (waiter === undefined) return;
      this.fromPool().then(
        (conn) => {
          // Its deadline passed while generic-pool worked: the connection serves the next one instead.
          if (!waiter.give(conn) && !this.waiters.give(conn)) this.pool.release(conn).catch(() => undefined);
        },
        (error: unknown) => waiter.fail(error),
      );
    }
  }

  private lend(conn: DriverConnection, taker: { stack?: string } | undefined, detect: boolean, now: number): Lease {
    const lease: Lease = { conn, acquiredAt: now, taker, reported: false };
    this.leases.add(lease);
    if (detect && this.leakTimer === undefined) this.startLeakTimer();
    return lease;
  }

  /** Healthy, and idle too briefly to need validation. */
  private fresh(conn: DriverConnection, now: number): boolean {
    const meta = this.meta.get(conn);
    return (
      meta !== undefined &&
      !conn.broken &&
      now <= meta.expiresAt &&
      now - meta.idleSince < this.options.validateAfterIdleMs
    );
  }

  /** Stale warm connections go to generic-pool, which validates, evicts or destroys them. */
  private returnWarm(conns: readonly DriverConnection[]): void {
    for (const conn of conns) {
      const meta = this.meta.get(conn);
      const dead = conn.broken || meta === undefined || Date.now() > meta.expiresAt;
      // generic-pool rejects only for a resource it does not know; there is nothing left to return then.
      (dead ? this.pool.destroy(conn) : this.pool.release(conn)).catch(() => undefined);
    }
    if (this.waiters.length > 0) this.refill();
  }

  /**
   * Returns a connection. With `destroy`, or when the connection is broken, expired or still in a
   * transaction that cannot be rolled back, it is closed instead. Never throws.
   */
  // Not async: the warm path (and a second release) returns the settled RELEASED, so a release creates no promise.
  release(lease: Lease, destroy = false): Promise<void> {
    if (!destroy && this.tryRelease(lease)) return RELEASED;
    if (!this.leases.delete(lease)) return RELEASED; // released twice: the second call is a no-op by contract
    const conn = lease.conn;
    if (destroy || conn.broken) this.lastLossAt = Date.now();
    const meta = this.meta.get(conn);
    return this.giveBack(conn, meta, destroy || conn.broken || meta === undefined || Date.now() > meta.expiresAt);
  }

  /**
   * Gives a healthy connection with nothing to undo straight to the oldest waiter, or puts it on the warm
   * stack; false (and nothing done) when it needs the slow path: a rollback, a reset, a waiter in
   * generic-pool to serve, or destruction.
   */
  private tryRelease(lease: Lease): boolean {
    const conn = lease.conn;
    const meta = this.meta.get(conn);
    const now = Date.now();
    if (
      meta === undefined ||
      conn.broken ||
      now > meta.expiresAt ||
      this.draining ||
      needsReset(conn) ||
      conn.inTransaction?.() === true ||
      this.options.validateAfterIdleMs <= 0 ||
      (this.waiting > 0 && this.waiters.length === 0) ||
      !this.leases.delete(lease)
    ) {
      return false;
    }
    meta.idleSince = now;
    if (this.waiters.give(conn)) return true;
    this.warm.push(conn);
    return true;
  }

  // Waiters in generic-pool are served by handing the connection to generic-pool itself.
  private async giveBack(conn: DriverConnection, meta: Meta | undefined, destroy: boolean): Promise<void> {
    let discard = destroy;
    if (!discard && conn.inTransaction?.() === true) {
      try {
        await conn.rollback();
      } catch {
        discard = true;
      }
      if (conn.inTransaction() === true) discard = true;
    }
    if (!discard && needsReset(conn)) {
      try {
        await conn.reset?.();
      } catch {
        discard = true;
      }
    }
    try {
      if (discard || conn.broken) {
        const destroyed = this.pool.destroy(conn);
        this.refill();
        await destroyed;
      } else {
        if (meta !== undefined) meta.idleSince = Date.now();
        if (this.options.validateAfterIdleMs > 0 && !this.draining && this.waiters.give(conn)) return;
        const released = this.pool.release(conn);
        if (this.waiters.length > 0) this.refill();
        await released;
      }
    } catch {
      // generic-pool rejects for a resource it does not know; there is nothing left to return.
    }
  }

  /**
   * Date.now() of the last sign that the database may be unreachable: a failed connect (when none
   * succeeded since) or a lent connection given back broken or to be destroyed. 0 when none.
   */
  get lastFailureAt(): number {
    return Math.max(this.failures > 0 ? this.lastCreateErrorAt : 0, this.lastLossAt);
  }

  /** Connections on loan to sessions right now (not those on their way back). */
  get leased(): number {
    return this.leases.size;
  }

  get max(): number {
    return this.options.max;
  }

  stats(): PoolStats {
    return {
      size: this.pool.size,
      borrowed: this.pool.borrowed - this.warm.length,
      idle: this.pool.available + this.warm.length,
      pending: this.pending,
      max: this.pool.max,
    };
  }

  /** Waits for borrowed connections to come back (up to `timeoutMs`), then closes every connection. */
  async drain(timeoutMs = 5_000): Promise<void> {
    this.draining = true;
    if (this.leakTimer !== undefined) clearInterval(this.leakTimer);
    this.leakTimer = undefined;
    this.warm.clear();
    this.waiters.failAll(new ShutdownError());
    const deadline = Date.now() + timeoutMs;
    while (this.leases.size > 0 && Date.now() < deadline) await sleep(10);
    for (const lease of [...this.leases]) await this.release(lease, true);
    try {
      await this.pool.drain();
      await this.pool.clear();
    } catch {
      // Draining twice rejects in generic-pool; closing is idempotent for us.
    }
  }

  private startLeakTimer(): void {
    this.leakTimer = watchLeaks(this.leases, this.options.leakDetectionMs, (lease, heldMs) => {
      // From the first leak on, checkouts record where they were taken, so later reports can say.
      this.captureStacks = true;
      this.onWarning(new LeakWarning(this.key, heldMs, formatTaker(lease.taker)));
    });
  }
}

function needsReset(conn: DriverConnection): boolean {
  return conn.reset !== undefined && conn.needsReset?.() !== false;
}

function isDraining(error: unknown): boolean {
  return error instanceof Error && /draining/.test(error.message);
}
