import { afterEach, describe, expect, it } from "vitest";
import { type PoolOptions } from "../src/index.ts";
import { ConnectionPool } from "../src/pool/pool.ts";
import { FakeDriver } from "./support/fake-driver.ts";

// The warm path of ConnectionPool: recently returned connections are handed out again without
// generic-pool. These tests pin what that path must not lose.

const pools: ConnectionPool[] = [];

function setup(options: Partial<PoolOptions> = {}) {
  const driver = new FakeDriver();
  const pool = new ConnectionPool("db", driver, { evictionIntervalMs: 1000, ...options }, () => undefined);
  pools.push(pool);
  return { pool, driver };
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.drain(100)));
});

describe("ConnectionPool warm path", () => {
  it("reuses a warm connection without arming a timer", async () => {
    const { pool, driver } = setup();
    await pool.release(await pool.acquire());
    const realSetTimeout = globalThis.setTimeout;
    let timers = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      timers++;
      return realSetTimeout(...args);
    }) as typeof setTimeout;
    try {
      for (let i = 0; i < 100; i++) await pool.release(await pool.acquire());
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    expect(timers).toBe(0);
    expect(driver.connections).toHaveLength(1);
  });

  it("tryAcquire lends a warm connection synchronously and nothing when none is warm", async () => {
    const { pool, driver } = setup();
    expect(pool.tryAcquire()).toBeUndefined();
    await pool.release(await pool.acquire());
    const lease = pool.tryAcquire();
    expect(lease?.conn).toBe(driver.connections[0]);
    expect(pool.tryAcquire()).toBeUndefined();
    if (lease !== undefined) await pool.release(lease);
  });

  it("counts warm connections as idle, not borrowed", async () => {
    const { pool } = setup({ max: 3 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(pool.stats()).toMatchObject({ size: 2, borrowed: 2, idle: 0 });
    await pool.release(a);
    expect(pool.stats()).toMatchObject({ size: 2, borrowed: 1, idle: 1 });
    await pool.release(b);
    expect(pool.stats()).toMatchObject({ size: 2, borrowed: 0, idle: 2 });
    const c = await pool.acquire();
    expect(c.conn).toBe(b.conn); // most recently returned first
    expect(pool.stats()).toMatchObject({ size: 2, borrowed: 1, idle: 1 });
    await pool.release(c);
  });

  it("hands a returned connection to a waiter instead of keeping it warm", async () => {
    const { pool } = setup({ max: 1, acquireTimeoutMs: 2000 });
    const first = await pool.acquire();
    const waiting = pool.acquire();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pool.stats().pending).toBe(1);
    await pool.release(first);
    const second = await waiting;
    expect(second.conn).toBe(first.conn);
    expect(pool.stats()).toMatchObject({ borrowed: 1, idle: 0, pending: 0 });
    await pool.release(second);
  });

  it("never keeps a connection with an open transaction warm", async () => {
    const { pool, driver } = setup();
    const lease = await pool.acquire();
    await lease.conn.begin();
    await pool.release(lease);
    expect(driver.openTransactions()).toEqual([]);
    const again = await pool.acquire();
    expect(again.conn).toBe(lease.conn);
    expect(again.conn.inTransaction?.()).toBe(false);
    await pool.release(again);
  });

  it("returns warm connections to generic-pool once idle past validateAfterIdleMs, so they are validated", async () => {
    const { pool, driver } = setup({ validateAfterIdleMs: 50 });
    await pool.release(await pool.acquire());
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(pool.tryAcquire()).toBeUndefined();
    const lease = await pool.acquire();
    expect(lease.conn).toBe(driver.connections[0]);
    expect(driver.connections[0]?.ops()).toContain("validate");
    await pool.release(lease);
  });

  it("validateAfterIdleMs 0 validates every checkout, so nothing is kept warm", async () => {
    const { pool, driver } = setup({ validateAfterIdleMs: 0 });
    const validations = () => driver.connections[0]?.ops().filter((op) => op === "validate").length ?? 0;
    await pool.release(await pool.acquire());
    const before = validations();
    expect(pool.tryAcquire()).toBeUndefined();
    for (let i = 0; i < 3; i++) await pool.release(await pool.acquire());
    expect(validations()).toBe(before + 3);
    expect(driver.connections).toHaveLength(1);
  });
});
