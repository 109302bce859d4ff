import type { ConnectionPool, SQLScope } from "@sqlscope/core";

type Entry = ReturnType<SQLScope["entry"]>;

/**
 * Points a key's sessions at another pool until the returned function runs. Sessions read
 * `entry.pool` at every acquire and release, so this one field is the whole seam: no driver, pool or
 * session changes for isolation, and production code never pays for it. `pool` is readonly for users;
 * only this function writes it.
 */
export function swapPool(entry: Entry, pool: ConnectionPool): () => void {
  const writable = entry as { pool: ConnectionPool };
  const original = writable.pool;
  writable.pool = pool;
  return () => {
    if (writable.pool === pool) writable.pool = original;
  };
}
