// Read replicas: a key declared `replicaOf` another is read-only (its sessions begin READ ONLY
// transactions) and getReadSession() picks it for reads. The choice is made per call, from state the
// scope and the pool already hold (no query, no timer on the request path):
// - read your writes: once the scope used the primary, its reads stay there (the replica may lag);
// - a replica whose last connect failed, or that lost a connection, is skipped: reads go to the
//   primary, and one background probe per interval reconnects; the first success sends reads back
//   (fallback: false turns this off).
import type { Driver } from "./driver.ts";
import { ConfigError, messageOf } from "./errors.ts";
import type { ConnectionPool } from "./pool/pool.ts";

/** What `add()` accepts for a read-only key or a replica. */
export interface ReplicaOptions {
  /**
   * Sessions of this key begin `READ ONLY` transactions, so a write fails with ReadOnlyError instead
   * of running. Needs a driver that can (PostgreSQL, MySQL/MariaDB) and an autocommit mode (the
   * default for such keys): outside a transaction nothing would stop a write.
   */
  readOnly?: boolean;
  /**
   * This key is a read replica of the key named here (added before it): read-only, and what
   * getReadSession(thatKey) returns for reads. One replica per primary key.
   */
  replicaOf?: string;
  /**
   * Replica only. true (default): after the replica failed a connect or lost a connection,
   * getReadSession() returns the primary's session until a probe (one every `probeIntervalMs`)
   * connects to the replica again. false: reads
   * stay on the replica and fail like any unreachable database (PoolTimeoutError, a 503).
   */
  fallback?: boolean;
  /** Replica only: how often a replica that is down is probed (default 1 000 ms). */
  probeIntervalMs?: number;
}

/** Checks the replica options of `add()`; returns whether the key's sessions begin READ ONLY. */
export function checkReplicaOptions(
  key: string,
  options: ReplicaOptions & { commit?: string | undefined },
  driver: Driver,
  has: (key: string) => boolean,
  replicated: (primary: string) => boolean,
): boolean {
  const { readOnly, replicaOf, fallback, probeIntervalMs } = options;
  if (readOnly !== undefined && typeof readOnly !== "boolean")
    throw new ConfigError(`readOnly of "${key}" must be true or false.`);
  if (replicaOf === undefined) {
    if (fallback !== undefined || probeIntervalMs !== undefined) {
      throw new ConfigError(
        `fallback and probeIntervalMs of "${key}" are for replicas; add { replicaOf: "<primary key>" } or drop them.`,
      );
    }
    if (readOnly !== true) return false;
  } else {
    if (typeof replicaOf !== "string" || !has(replicaOf)) {
      throw new ConfigError(
        `"${key}" is declared a replica of "${String(replicaOf)}", which is not registered: add the primary first, then its replica.`,
      );
    }
    if (replicated(replicaOf))
      throw new ConfigError(
        `"${replicaOf}" already has a replica; one replica per primary key (put several behind one address).`,
      );
    if (readOnly === false) throw new ConfigError(`"${key}" is a replica, so it is read-only; drop readOnly: false.`);
    if (fallback !== undefined && typeof fallback !== "boolean")
      throw new ConfigError(`fallback of "${key}" must be true or false.`);
    if (probeIntervalMs !== undefined && !(typeof probeIntervalMs === "number" && probeIntervalMs > 0)) {
      throw new ConfigError(`probeIntervalMs of "${key}" must be a number of ms > 0.`);
    }
  }
  if (driver.dialect.readOnlyTransactions !== true) {
    throw new ConfigError(
      `The ${driver.name} driver cannot begin read-only transactions, so "${key}" cannot be read-only or a replica.`,
    );
  }
  if (options.commit === "manual") {
    throw new ConfigError(
      `"${key}" is read-only, which needs a transaction around every statement: use commit: "autocommit" (the default for ` +
        'read-only keys) instead of "manual".',
    );
  }
  return true;
}

/**
 * @internal One primary's replica: its key and whether reads should go there now. Health comes from
 * the replica pool: a failed connect or a lost connection not followed by a probe that connected
 * means down.
 */
export class ReplicaRoute {
  readonly key: string;
  private readonly pool: ConnectionPool;
  private readonly driver: Driver;
  private readonly fallback: boolean;
  private readonly probeMs: number;
  private probing = false;
  /** Date.now() of the last probe that connected. */
  private upSince = 0;
  private closed = false;

  constructor(key: string, pool: ConnectionPool, driver: Driver, options: ReplicaOptions) {
    this.key = key;
    this.pool = pool;
    this.driver = driver;
    this.fallback = options.fallback ?? true;
    this.probeMs = options.probeIntervalMs ?? 1_000;
  }

  /** True when reads may go to the replica now; when not, a probe is on its way. */
  usable(): boolean {
    if (!this.fallback) return true;
    const failedAt = this.pool.lastFailureAt;
    if (failedAt === 0 || failedAt < this.upSince) return true;
    if (!this.probing && !this.closed) this.probe();
    return false;
  }

  /** Stops probing (db.close()). */
  close(): void {
    this.closed = true;
  }

  // A connect of its own, outside the pool: it never holds a pool slot or a waiter, and a down replica
  // costs one attempt per interval however many requests arrive.
  private probe(): void {
    this.probing = true;
    const timer = setTimeout(() => {
      void this.driver
        .connect()
        .then(async (conn) => {
          try {
            if (await conn.validate()) this.upSince = Date.now();
          } finally {
            await conn.close().catch(() => undefined);
          }
        })
        .catch(() => undefined)
        .finally(() => {
          this.probing = false;
        });
    }, this.probeMs);
    timer.unref();
  }
}
