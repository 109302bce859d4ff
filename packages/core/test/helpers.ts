import { INTERNALS } from "../src/registry.ts";
import { vi } from "vitest";
import { SQLScope, type AddOptions, type SQLScopeOptions } from "../src/index.ts";
import { FakeDriver, type FakeDriverOptions } from "./support/fake-driver.ts";

const open: SQLScope[] = [];
const drivers: FakeDriver[] = [];

export interface Db {
  db: SQLScope;
  warnings: Error[];
  driver(key?: string): FakeDriver;
  /** How many times each pool's release() ran, by key. */
  releases(key?: string): number;
}

/**
 * A SQLScope over fake drivers, one per key, closed by closeAll(). Every pool's release() is counted
 * so tests can prove "exactly once".
 */
export function makeDb(
  keys: Record<string, AddOptions & { fake?: FakeDriverOptions }> = { db: {} },
  options: SQLScopeOptions = {},
): Db {
  const warnings: Error[] = [];
  const db = new SQLScope({ onWarning: (w) => warnings.push(w), ...options });
  open.push(db);
  const byKey = new Map<string, FakeDriver>();
  const counts = new Map<string, number>();
  for (const [key, { fake, ...add }] of Object.entries(keys)) {
    const driver = new FakeDriver(fake);
    drivers.push(driver);
    byKey.set(key, driver);
    db.add(driver, { key, ...add });
    const pool = db[INTERNALS].database(key).pool;
    const release = pool.release.bind(pool);
    counts.set(key, 0);
    vi.spyOn(pool, "release").mockImplementation((lease, destroy) => {
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return release(lease, destroy);
    });
  }
  const first = Object.keys(keys)[0] ?? "db";
  return {
    db,
    warnings,
    driver: (key = first) => byKey.get(key) as FakeDriver,
    releases: (key = first) => counts.get(key) ?? 0,
  };
}

export async function closeAll(): Promise<void> {
  for (const d of drivers.splice(0)) {
    d.clearFailures();
    d.releaseHangs();
  }
  await Promise.all(open.splice(0).map((db) => db.close()));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await sleep(5);
  }
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}
