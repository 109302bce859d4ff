import type { DriverConnection } from "./driver.ts";

/** A connection on loan to one session. */
export interface Lease {
  readonly conn: DriverConnection;
  readonly acquiredAt: number;
  /** Where it was taken, captured only when leak detection is on (formatted lazily by V8). */
  readonly taker: { stack?: string } | undefined;
  reported: boolean;
}

export interface PoolStats {
  size: number;
  borrowed: number;
  idle: number;
  pending: number;
  max: number;
}

/**
 * Where a session leases its connections from: a key's pool, or whatever a test puts in its place
 * (`@sqlscope/testing` gives each test one connection this way, through `replaceConnectionSource`).
 */
export interface ConnectionSource {
  /** Connections at most; with 1, a nested isolated scope that needs one its parent holds fails at once. */
  readonly max: number;
  /** A connection at once, or undefined when none is free without waiting (no promise either way). */
  tryAcquire(): Lease | undefined;
  /** A connection, or PoolTimeoutError within the pool's deadline. */
  acquire(): Promise<Lease>;
  /** Gives a lease back (destroyed with `destroy`); resolves when it is back, RELEASED when it already is. Never rejects. */
  release(lease: Lease, destroy: boolean): Promise<void>;
  stats(): PoolStats;
  /** The SQLScope is closing: end what this source lends before the pools drain (a test's isolation rolls back). */
  onClose?(): Promise<void>;
}

/** What release() returns when the connection is already back: callers may skip awaiting it. */
export const RELEASED: Promise<void> = Promise.resolve();
