import type { ConnectionSource } from "./connection-source.ts";
import type { Driver } from "./driver.ts";
import type { ParseOptions } from "./placeholders.ts";
import type { CommitPolicy } from "./policy.ts";
import type { ConnectionPool } from "./pool/pool.ts";

/** One registered database: what `db.add(driver, options)` built for its key. */
export interface Database {
  readonly key: string;
  readonly driver: Driver;
  /** The key's own pool: stats, shutdown, replica health. */
  readonly pool: ConnectionPool;
  /**
   * Where sessions lease connections from: the pool, unless a test replaced it for a while
   * (`replaceConnectionSource` in `@sqlscope/core/testing`). Sessions read it at every acquire and release.
   */
  source: ConnectionSource;
  readonly policy: CommitPolicy;
  readonly parse: ParseOptions;
  /** Sessions begin READ ONLY (a replica, or `readOnly: true`). */
  readonly readOnly: boolean;
  /** The primary's key when this is its replica. */
  readonly replicaOf: string | undefined;
}
