import { afterEach, describe, expect, it } from "vitest";
import { PoolTimeoutError, ShutdownError, type PoolOptions } from "../src/index.ts";
import type { Lease } from "../src/connection-source.ts";
import { ConnectionPool } from "../src/pool/pool.ts";
import { FakeDriver } from "./support/fake-driver.ts";

// The hand-off: while every connection is lent, acquire() waits in the pool's own queue and a released
// connection goes straight to the oldest waiter, without generic-pool in between. These tests pin what
// that path must keep from generic-pool's: order, deadlines, validation, resets, destruction, closing.

const pools: ConnectionPool[] = [];

function setup(options: Partial<PoolOptions> = {}, driver = new FakeDriver()) {
  const pool = new ConnectionPool("db", driver, { evictionIntervalMs: 1000, ...options }, () => undefined);
  pools.push(pool);
  return { pool, driver };
}

/** Counts the acquires that reach generic-pool (white box: the hand-off exists to avoid them). */
function countPoolAcquires(pool: ConnectionPool): { count: number } {
  const inner = (pool as unknown as { pool: { acquire: () => Promise<unknown> } }).pool;
  const counter = { count: 0 };
  const original = inner.acquire.bind(inner);
  inner.acquire = () => {
    counter.count++;
    return original();
  };
  return counter;
}

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.drain(100)));
});

describe("ConnectionPool hand-off to waiters", () => {
  it("under contention, released connections reach waiters without generic-pool", async () => {
    const { pool, driver } = setup({ max: 2, acquireTimeoutMs: 2000 });
    const acquires = countPoolAcquires(pool);
    let served = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 20; i++) {
          const lease = await pool.acquire();
          await tick(0);
          served++;
          await pool.release(lease);
        }
      }),
    );
    expect(served).toBe(200);
    expect(driver.connections).toHaveLength(2);
    // One generic-pool acquire per connection it created; every other checkout was a hand-off or warm.
    expect(acquires.count).toBe(2);
    expect(pool.stats()).toMatchObject({ borrowed: 0, pending: 0, size: 2 });
  });

  it("serves waiters in the order they asked", async () => {
    const { pool } = setup({ max: 1, acquireTimeoutMs: 2000 });
    const first = await pool.acquire();
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) =>
      pool.acquire().then(async (lease) => {
        order.push(n);
        await tick(1);
        await pool.release(lease);
      }),
    );
    expect(pool.stats().pending).toBe(3);
    await pool.release(first);
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
  });

  it("a waiter's deadline still holds, and a connection released after it passed goes to the next waiter", async () => {
    // Margins of 200 ms either side, so a loaded CI machine cannot swap which waiter times out.
    const { pool } = setup({ max: 1, acquireTimeoutMs: 400 });
    const held = await pool.acquire();
    const late = pool.acquire().then(
      () => "served",
      (error: unknown) => error,
    );
    await tick(200);
    const next = pool.acquire();
    const error = await late;
    expect(error).toBeInstanceOf(PoolTimeoutError);
    expect((error as Error).message).toMatch(/all 1 connections are borrowed/);
    await pool.release(held);
    const lease = await next;
    expect(lease.conn).toBe(held.conn);
    expect(pool.stats()).toMatchObject({ borrowed: 1, pending: 0 });
    await pool.release(lease);
  });

  it("a connection returned broken is destroyed and the oldest waiter gets a new one", async () => {
    const { pool, driver } = setup({ max: 1, acquireTimeoutMs: 2000 });
    const held = await pool.acquire();
    const waiting = pool.acquire();
    driver.connections[0]?.breakIt();
    await pool.release(held);
    const lease = await waiting;
    expect(driver.connections[0]?.closed).toBe(true);
    expect(lease.conn).toBe(driver.connections[1]);
    await pool.release(lease);
  });

  it("a connection released with destroy makes room for a waiter", async () => {
    const { pool, driver } = setup({ max: 2, acquireTimeoutMs: 2000 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    const waiting = [pool.acquire(), pool.acquire()];
    await pool.release(a, true);
    const first = await waiting[0];
    expect(first?.conn).toBe(driver.connections[2]);
    await pool.release(b);
    const second = await waiting[1];
    expect(second?.conn).toBe(b.conn);
    for (const lease of [first, second]) if (lease !== undefined) await pool.release(lease);
  });

  it("rolls back and resets a connection before a waiter gets it", async () => {
    const { pool, driver } = setup({ max: 1, acquireTimeoutMs: 2000 }, new FakeDriver({ resets: true }));
    const held = await pool.acquire();
    await held.conn.begin();
    const waiting = pool.acquire();
    await pool.release(held);
    const lease = await waiting;
    expect(lease.conn).toBe(held.conn);
    expect(driver.connections[0]?.ops()).toEqual(["begin", "rollback", "reset"]);
    await pool.release(lease);
  });

  it("with validateAfterIdleMs 0, a waiter's connection is validated first", async () => {
    const { pool, driver } = setup({ max: 1, acquireTimeoutMs: 2000, validateAfterIdleMs: 0 });
    const held = await pool.acquire();
    const waiting = pool.acquire();
    await pool.release(held);
    const lease = await waiting;
    expect(driver.connections[0]?.ops().filter((op) => op === "validate")).toHaveLength(2);
    await pool.release(lease);
  });

  it("drain() answers waiters with ShutdownError", async () => {
    const { pool } = setup({ max: 1, acquireTimeoutMs: 5000 });
    const held = await pool.acquire();
    const waiting = pool.acquire().then(
      () => "served",
      (error: unknown) => error,
    );
    const drained = pool.drain(1000);
    expect(await waiting).toBeInstanceOf(ShutdownError);
    await pool.release(held);
    await drained;
  });

  it("loses no connection when leases break, get destroyed and time out at random under load", async () => {
    const { pool, driver } = setup({ max: 3, acquireTimeoutMs: 60 });
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let timeouts = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        for (let i = 0; i < 25; i++) {
          let lease: Lease;
          try {
            lease = await pool.acquire();
          } catch (error) {
            expect(error).toBeInstanceOf(PoolTimeoutError);
            timeouts++;
            continue;
          }
          await tick(random() * 4);
          const roll = random();
          if (roll < 0.1) (lease.conn as unknown as { breakIt(): void }).breakIt();
          await pool.release(lease, roll > 0.95);
        }
      }),
    );
    const open = driver.connections.filter((c) => !c.closed);
    expect(open.length).toBeLessThanOrEqual(3);
    expect(pool.stats()).toMatchObject({ borrowed: 0, pending: 0 });
    expect(pool.stats().size).toBe(open.length);
    expect(timeouts).toBeLessThan(12 * 25);
    // Still serving: every slot can be taken at once.
    const leases = [await pool.acquire(), await pool.acquire(), await pool.acquire()];
    for (const lease of leases) await pool.release(lease);
  });
});
