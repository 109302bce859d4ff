// The supported way for a test harness (@sqlscope/testing) to stand in for a key's pool: sessions
// lease from a database's `source`, read at every acquire and release, so replacing it is the whole
// seam. No driver, pool or session changes, and production code never pays for it.
import type { ConnectionSource } from "../connection-source.ts";
import type { Driver } from "../driver.ts";
import { INTERNALS, type Registry } from "../registry.ts";

/**
 * Points `key`'s sessions at `source` until the returned function runs (which puts the previous
 * source back, unless another replacement came since). Sessions that already hold a lease give it
 * back where they took it from only if `source` forwards foreign leases (see @sqlscope/testing).
 *
 * @example
 * const restore = replaceConnectionSource(db, "db", testSource);
 * try { await runTest(); } finally { restore(); }
 */
export function replaceConnectionSource(db: Registry, key: string, source: ConnectionSource): () => void {
  const database = db[INTERNALS].database(key);
  const previous = database.source;
  database.source = source;
  return () => {
    if (database.source === source) database.source = previous;
  };
}

/** Where `key`'s sessions lease from right now: its pool, unless a test replaced it. @example connectionSourceOf(db, "db").stats() */
export function connectionSourceOf(db: Registry, key: string): ConnectionSource {
  return db[INTERNALS].database(key).source;
}

/** The driver registered under `key`. @example driverFor(db, "db").name // "postgres" */
export function driverFor(db: Registry, key: string): Driver {
  return db[INTERNALS].database(key).driver;
}
