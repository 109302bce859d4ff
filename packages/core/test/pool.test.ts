import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, LeakWarning, PoolTimeoutError, type PoolOptions } from "../src/index.ts";
import { ConnectionPool } from "../src/pool/pool.ts";
import { FakeDbError, FakeDriver } from "./support/fake-driver.ts";

const pools: ConnectionPool[] = [];
const drivers: FakeDriver[] = [];

function setup(options: Partial<PoolOptions> = {}, driver = new FakeDriver()) {
  const warnings: Error[] = [];
  const pool = new ConnectionPool("db", driver, { evictionIntervalMs: 1000, ...options }, (w) => warnings.push(w));
  pools.push(pool);
  drivers.push(driver);
  return { pool, driver, warnings };
}

afterEach(async () => {
  for (const d of drivers.splice(0)) {
    d.clearFailures();
    d.releaseHangs();
  }
  await Promise.all(pools.splice(0).map((p) => p.drain(100)));
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await sleep(10);
  }
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("ConnectionPool", () => {
  it("acquire has a deadline when every connection is borrowed", async () => {
    const { pool } = setup({ max: 1, acquireTimeoutMs: 200 });
    const held = await pool.acquire();
    const started = Date.now();
    const error = await rejection(pool.acquire());
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(PoolTimeoutError);
    expect(error).toMatchObject({ code: "ERR_SQLSCOPE_POOL_TIMEOUT", retryable: true });
    expect((error as Error).cause).toBeUndefined();
    expect((error as Error).message).toMatch(/all 1 connections are borrowed/);
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(200 + 1500);
    await pool.release(held);
  });

  it("acquire has a deadline when connect fails, with the connect error as cause", async () => {
    const driver = new FakeDriver();
    const refused = new FakeDbError("connect ECONNREFUSED 127.0.0.1:1", { kind: "connection", fatal: true });
    driver.failOn("connect", { how: "reject", error: refused });
    const { pool } = setup({ acquireTimeoutMs: 300, createBackoffMs: 20 }, driver);
    const started = Date.now();
    const error = await rejection(pool.acquire());
    expect(Date.now() - started).toBeLessThan(300 + 1500);
    expect(error).toBeInstanceOf(PoolTimeoutError);
    expect((error as PoolTimeoutError).cause).toBe(refused);
    expect((error as Error).message).toMatch(/ECONNREFUSED.*reachable/);
  });

  it("acquire has a deadline when connect hangs, and says the connect is what is slow", async () => {
    const driver = new FakeDriver();
    driver.failOn("connect", { how: "hang", times: 1 });
    const { pool } = setup({ acquireTimeoutMs: 200 }, driver);
    const started = Date.now();
    const error = await rejection(pool.acquire());
    expect(Date.now() - started).toBeLessThan(200 + 1500);
    expect(error).toBeInstanceOf(PoolTimeoutError);
    expect((error as Error).message).not.toMatch(/connections are borrowed/);
    expect((error as Error).message).toMatch(/connect/i);
  });

  it("drain finishes even when a connect never settles, and closes the late connection", async () => {
    const driver = new FakeDriver();
    driver.failOn("connect", { how: "hang", times: 1 });
    const { pool } = setup({ acquireTimeoutMs: 150 }, driver);
    await rejection(pool.acquire());
    const drained = pool.drain(100).then(() => "drained");
    const outcome = await Promise.race([drained, sleep(2000).then(() => "stuck")]);
    expect(outcome).toBe("drained");
    driver.releaseHangs();
    await until(() => driver.connections.length === 1 && driver.connections[0]?.closed === true);
  });

  it("a failing connect backs off instead of spinning", async () => {
    const driver = new FakeDriver();
    driver.failOn("connect", { how: "reject" });
    const { pool } = setup({ acquireTimeoutMs: 700, createBackoffMs: 25, createBackoffMaxMs: 1000 }, driver);
    await rejection(pool.acquire());
    const attempts = driver.connectAttempts;
    // 25, 50, 100, 200, 400 ms (minus jitter) fit about 6 attempts into 700 ms; a tight loop makes thousands.
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.length).toBeLessThanOrEqual(10);
    const last = attempts.length - 1;
    expect((attempts[last] ?? 0) - (attempts[last - 1] ?? 0)).toBeGreaterThanOrEqual(25);
    // No waiter left: the pool stops trying.
    const count = attempts.length;
    await sleep(500);
    expect(driver.connectAttempts.length).toBeLessThanOrEqual(count + 1);
  });

  it("a connect that succeeds again resets the backoff", async () => {
    const driver = new FakeDriver();
    driver.failOn("connect", { how: "reject", times: 2 });
    const { pool } = setup({ acquireTimeoutMs: 2000, createBackoffMs: 20 }, driver);
    const lease = await pool.acquire();
    expect(driver.connectAttempts.length).toBe(3);
    await pool.release(lease);
  });

  it("validation is bounded: a hanging validate destroys the connection within validationTimeoutMs", async () => {
    const { pool, driver } = setup({ validateAfterIdleMs: 0, validationTimeoutMs: 100 });
    await pool.release(await pool.acquire());
    driver.failOn("validate", { how: "hang", times: 1 });
    const started = Date.now();
    const lease = await pool.acquire();
    expect(Date.now() - started).toBeLessThan(100 + 1500);
    expect(lease.conn).toBe(driver.connections[1]);
    await until(() => driver.connections[0]?.closed === true);
    await pool.release(lease);
  });

  it("a rejecting validate destroys the connection and is never an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", listener);
    try {
      const { pool, driver } = setup({ validateAfterIdleMs: 0, validationTimeoutMs: 100 });
      await pool.release(await pool.acquire());
      driver.failOn("validate", { how: "reject", times: 1 });
      const lease = await pool.acquire();
      expect(lease.conn).toBe(driver.connections[1]);
      await until(() => driver.connections[0]?.closed === true);
      await pool.release(lease);
      // A late rejection after a validation timeout must be handled too.
      await pool.release(await pool.acquire());
      driver.failOn("validate", { how: "delay", ms: 150, times: 1 });
      driver.failOn("validate", { how: "reject", times: 1 });
      await pool.release(await pool.acquire());
      await sleep(300);
      expect(driver.connections.length).toBeGreaterThanOrEqual(3);
    } finally {
      process.off("unhandledRejection", listener);
    }
    expect(unhandled).toEqual([]);
  });

  it("validate resolving false destroys the connection", async () => {
    const { pool, driver } = setup({ validateAfterIdleMs: 0 });
    await pool.release(await pool.acquire());
    driver.failOn("validate", { how: "false", times: 1 });
    const lease = await pool.acquire();
    expect(lease.conn).toBe(driver.connections[1]);
    expect(driver.connections[0]?.closed).toBe(true);
    await pool.release(lease);
  });

  it("validates only connections idle longer than validateAfterIdleMs", async () => {
    const { pool, driver } = setup({ validateAfterIdleMs: 200 });
    await pool.release(await pool.acquire());
    await pool.release(await pool.acquire());
    const conn = driver.connections[0];
    expect(conn?.ops().filter((op) => op === "validate")).toEqual([]);
    await sleep(260);
    const lease = await pool.acquire();
    expect(lease.conn).toBe(conn);
    expect(conn?.ops().filter((op) => op === "validate")).toEqual(["validate"]);
    await pool.release(lease);
  });

  it("idle eviction actually closes idle connections", async () => {
    const { pool, driver } = setup({ idleTimeoutMs: 100, evictionIntervalMs: 50 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    await pool.release(a);
    await pool.release(b);
    expect(pool.stats().idle).toBe(2);
    await until(() => driver.connections.every((c) => c.closed));
    expect(pool.stats().size).toBe(0);
  });

  it("idleTimeoutMs 0 keeps idle connections open (generic-pool alone would evict them all)", async () => {
    const { pool, driver } = setup({ idleTimeoutMs: 0, evictionIntervalMs: 20 });
    await pool.release(await pool.acquire());
    await sleep(120);
    expect(pool.stats().idle).toBe(1);
    expect(driver.connections[0]?.closed).toBe(false);
  });

  it("rejects idleTimeoutMs without an eviction interval", () => {
    expect(() => setup({ idleTimeoutMs: 100, evictionIntervalMs: 0 })).toThrow(ConfigError);
    expect(() => setup({ acquireTimeoutMs: 0 })).toThrow(/without a deadline/);
    expect(() => setup({ min: 3, max: 2 })).toThrow(ConfigError);
  });

  it("release of a connection still in a transaction rolls it back and keeps it", async () => {
    const { pool, driver } = setup();
    const lease = await pool.acquire();
    await lease.conn.begin();
    await pool.release(lease);
    const conn = driver.connections[0];
    expect(conn?.ops()).toEqual(["begin", "rollback"]);
    expect(conn?.closed).toBe(false);
    const again = await pool.acquire();
    expect(again.conn).toBe(conn);
    await pool.release(again);
  });

  it("release destroys a connection whose rollback fails", async () => {
    const { pool, driver } = setup();
    const lease = await pool.acquire();
    await lease.conn.begin();
    driver.failOn("rollback", { how: "reject" });
    await pool.release(lease);
    expect(driver.connections[0]?.closed).toBe(true);
    expect(driver.openTransactions()).toEqual([]);
    expect(pool.stats().size).toBe(0);
  });

  it("release resets a connection that supports it, and destroys it when the reset fails", async () => {
    const { pool, driver } = setup({}, new FakeDriver({ resets: true }));
    await pool.release(await pool.acquire());
    expect(driver.connections[0]?.ops()).toEqual(["reset"]);
    const lease = await pool.acquire();
    driver.failOn("reset", { how: "reject" });
    await pool.release(lease);
    expect(driver.connections[0]?.closed).toBe(true);
  });

  it("destroys broken connections, on release and while idle", async () => {
    const { pool, driver } = setup();
    const lease = await pool.acquire();
    driver.connections[0]?.breakIt();
    await pool.release(lease);
    expect(driver.connections[0]?.closed).toBe(true);
    const second = await pool.acquire();
    expect(second.conn).toBe(driver.connections[1]);
    await pool.release(second);
    driver.connections[1]?.breakIt(); // the socket died while idle
    const third = await pool.acquire();
    expect(third.conn).toBe(driver.connections[2]);
    await pool.release(third);
  });

  it("release with destroy closes the connection, and a second release is a no-op", async () => {
    const { pool, driver } = setup();
    const lease = await pool.acquire();
    await pool.release(lease, true);
    await pool.release(lease);
    expect(driver.connections[0]?.ops()).toEqual(["close"]);
    expect(pool.stats()).toMatchObject({ size: 0, borrowed: 0 });
  });

  it("warns about a long lease with the stack of the code that took it", async () => {
    const { pool, warnings } = setup({ leakDetectionMs: 50 });
    const lease = await (async function takesAConnectionAndKeepsIt() {
      return pool.acquire();
    })();
    await until(() => warnings.length > 0);
    await sleep(100);
    expect(warnings).toHaveLength(1); // reported once
    const warning = warnings[0];
    expect(warning).toBeInstanceOf(LeakWarning);
    expect(warning?.message).toMatch(/borrowed for \d+ ms/);
    expect(warning?.message).toContain("takesAConnectionAndKeepsIt");
    await pool.release(lease);
  });

  it("closes connections older than maxLifetimeMs instead of reusing them", async () => {
    const { pool, driver } = setup({ maxLifetimeMs: 100 });
    const lease = await pool.acquire();
    await sleep(150);
    await pool.release(lease);
    expect(driver.connections[0]?.closed).toBe(true);
    const idle = await pool.acquire();
    await pool.release(idle);
    await sleep(150); // expires while idle
    const next = await pool.acquire();
    expect(next.conn).not.toBe(idle.conn);
    expect(driver.connections[1]?.closed).toBe(true);
    await pool.release(next);
  });

  it("drain waits for borrowed connections, then closes every connection", async () => {
    const { pool, driver } = setup();
    const idle = await pool.acquire();
    const busy = await pool.acquire();
    await pool.release(idle);
    setTimeout(() => void pool.release(busy), 100);
    const started = Date.now();
    await pool.drain(2000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(80);
    expect(driver.connections.map((c) => c.closed)).toEqual([true, true]);
    expect(driver.connections[1]?.ops()).toEqual(["close"]); // returned, not destroyed early
    const error = await rejection(pool.acquire());
    expect(error).toBeInstanceOf(PoolTimeoutError);
  });

  it("drain destroys connections not returned in time", async () => {
    const { pool, driver } = setup();
    await pool.acquire();
    await pool.drain(50);
    expect(driver.connections[0]?.closed).toBe(true);
  });
});
