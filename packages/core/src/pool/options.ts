import { ConfigError } from "../errors.ts";

/** Pool settings. Every default is chosen so that no promise of the pool depends on the user setting it. */
export interface PoolOptions {
  /** Connections kept open when idle. */
  min: number;
  /** Connections at most. */
  max: number;
  /** An acquire waits at most this long, then fails with PoolTimeoutError (a 503 in the adapters). */
  acquireTimeoutMs: number;
  /** Idle connections beyond `min` are closed after this long (eviction runs every `evictionIntervalMs`). */
  idleTimeoutMs: number;
  evictionIntervalMs: number;
  /** Connections idle longer than this are checked with a `SELECT 1` before they are handed out. */
  validateAfterIdleMs: number;
  /** A validation that takes longer than this counts as failed and the connection is destroyed. */
  validationTimeoutMs: number;
  /** After a failed connect, the next attempt waits `createBackoffMs`, doubling up to `createBackoffMaxMs`. */
  createBackoffMs: number;
  createBackoffMaxMs: number;
  /** A connection borrowed longer than this is reported once, with the stack that took it. 0 turns it off. */
  leakDetectionMs: number;
  /** Connections older than this (minus up to 2.5% jitter) are closed on return. 0 keeps them forever. */
  maxLifetimeMs: number;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  min: 0,
  max: 10,
  acquireTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  evictionIntervalMs: 5_000,
  validateAfterIdleMs: 500,
  validationTimeoutMs: 2_000,
  createBackoffMs: 50,
  createBackoffMaxMs: 5_000,
  leakDetectionMs: 60_000,
  maxLifetimeMs: 30 * 60_000,
};

/** The options of one key's pool, each checked; every mistake is a ConfigError that names the fix. */
export function validatePoolOptions(key: string, options: PoolOptions): PoolOptions {
  for (const [name, value] of Object.entries(options)) {
    if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
      throw new ConfigError(`pool.${name} of "${key}" must be a number >= 0, got ${String(value)}.`);
    }
  }
  if (options.max < 1) throw new ConfigError(`pool.max of "${key}" must be at least 1, got ${options.max}.`);
  if (options.min > options.max) {
    throw new ConfigError(
      `pool.min (${options.min}) of "${key}" is larger than pool.max (${options.max}); lower min or raise max.`,
    );
  }
  if (options.acquireTimeoutMs <= 0) {
    throw new ConfigError(
      `pool.acquireTimeoutMs of "${key}" must be > 0: an acquire without a deadline can hang a request forever.`,
    );
  }
  if (options.idleTimeoutMs > 0 && options.evictionIntervalMs <= 0) {
    throw new ConfigError(
      `pool.evictionIntervalMs of "${key}" must be > 0 when idleTimeoutMs is set, or idle connections are never closed.`,
    );
  }
  return options;
}
