import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteDouble, type Dialect, type Driver, type ErrorClass } from "@sqlscope/core/driver";
import { classifyDuckDBError } from "./classify.ts";
import { DuckDBDriverConnection } from "./connection.ts";
import { instanceKey, leaseInstance, type InstanceLease } from "./instances.ts";
import { resolveOptions, type DuckDBOptions } from "./options.ts";

const DIALECT: Dialect = { placeholder: "?", quoteIdentifier: quoteDouble, savepoints: false, nestedComments: true };

/**
 * A DuckDB database for `db.add()`, on @duckdb/node-api: one instance per file per process (shared
 * by every driver on that file, closed with the last one), one connection per session.
 *
 * @example
 * const db = new SQLScope()
 *   .add(sqlite({ filename: "app.db" }), { key: "db" })
 *   .add(duckdb({ path: "events.duckdb" }), { key: "events", commit: "autocommit" });
 */
export function duckdb(options: DuckDBOptions): Driver<DuckDBConnection> {
  const resolved = resolveOptions(options);
  const key = instanceKey(resolved.path);
  let lease: InstanceLease | undefined;
  return {
    name: "duckdb",
    dialect: DIALECT,
    // Statements run on the libuv threadpool (4 threads by default): more connections only queue there.
    pool: { max: 4 },
    async connect() {
      const current = (lease ??= leaseInstance(key, resolved.config));
      let instance;
      try {
        instance = await current.instance;
      } catch (error) {
        // A file locked by another process: drop the failed lease so the next attempt opens afresh.
        if (lease === current) lease = undefined;
        await current.release();
        throw error;
      }
      return DuckDBDriverConnection.open(instance, resolved.integers);
    },
    classifyError: (error: unknown): ErrorClass => classifyDuckDBError(error),
    async close() {
      const held = lease;
      lease = undefined;
      await held?.release();
    },
  };
}
