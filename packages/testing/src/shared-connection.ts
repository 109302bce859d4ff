import type { ConnectionSource, Lease } from "@sqlscope/core/testing";
import { IsolationBrokenError, IsolationEndedError, IsolationLeakError, TurnTimeoutError } from "./errors.ts";
import { TurnConnection, type TurnOwner } from "./turn-connection.ts";
import { Turns } from "./turns.ts";

export interface SharedTimeouts {
  /** How long a scope waits for its turn before TurnTimeoutError. */
  readonly turnTimeoutMs: number;
  /** How long end() waits for a scope still holding the connection before IsolationLeakError. */
  readonly endTimeoutMs: number;
}

export interface TurnStats {
  /** Turns taken: scopes (requests, runInScope calls) that used this key during the test. */
  readonly turns: number;
  /** Scopes waiting for their turn right now, and the most that ever waited at once. */
  readonly waiting: number;
  readonly maxWaiting: number;
  readonly held: boolean;
}

/**
 * One real connection of a key, borrowed from its pool for a whole test and held in an outer
 * transaction. Scopes take turns on it; each turn gets a TurnConnection whose transaction is a savepoint.
 */
export class SharedConnection implements TurnOwner {
  readonly key: string;
  private readonly pool: ConnectionSource;
  private readonly lease: Lease;
  private readonly timeouts: SharedTimeouts;
  private readonly turns = new Turns();
  private current: TurnConnection | undefined = undefined;
  private brokenBy: unknown = undefined;
  private ended = false;
  private counter = 0;

  private constructor(key: string, pool: ConnectionSource, lease: Lease, timeouts: SharedTimeouts) {
    this.key = key;
    this.pool = pool;
    this.lease = lease;
    this.timeouts = timeouts;
  }

  /** Borrows a connection from `pool` and begins the test's transaction on it. */
  static async open(key: string, pool: ConnectionSource, timeouts: SharedTimeouts): Promise<SharedConnection> {
    const lease = await pool.acquire();
    try {
      await lease.conn.begin();
    } catch (error) {
      await pool.release(lease, true);
      throw error;
    }
    return new SharedConnection(key, pool, lease, timeouts);
  }

  /** Waits for this key's turn and returns the scope's view of the shared connection. */
  async take(): Promise<TurnConnection> {
    if (this.ended) throw new IsolationEndedError(this.key);
    this.check();
    await this.turns.take(
      this.timeouts.turnTimeoutMs,
      (holder) => new TurnTimeoutError(this.key, this.timeouts.turnTimeoutMs, holder?.stack),
    );
    try {
      this.check();
    } catch (error) {
      this.turns.give();
      throw error;
    }
    this.current = new TurnConnection(this.lease.conn, `sqlscope_test_${++this.counter}`, this);
    return this.current;
  }

  /** Ends a turn (undoing what its scope left open) and hands the connection to the next scope. */
  async give(conn: TurnConnection, destroy: boolean): Promise<void> {
    await conn.finish(destroy);
    if (this.current !== conn) return;
    this.current = undefined;
    this.turns.give();
  }

  check(): void {
    if (this.brokenBy !== undefined) throw new IsolationBrokenError(this.key, this.brokenBy);
  }

  poison(cause: unknown): void {
    this.brokenBy ??= cause;
  }

  stats(): TurnStats {
    return {
      turns: this.turns.taken,
      waiting: this.turns.waiting,
      maxWaiting: this.turns.maxWaiting,
      held: this.turns.held !== undefined,
    };
  }

  /**
   * Refuses new turns, waits for the scope holding one, rolls the test's transaction back and returns
   * the connection to its pool (destroyed when its state is in doubt). Returns the error to report, if
   * any; never throws.
   */
  async end(): Promise<Error | undefined> {
    this.ended = true;
    this.turns.close(() => new IsolationEndedError(this.key));
    const holder = this.turns.held;
    const idle = await this.turns.idle(this.timeouts.endTimeoutMs);
    let problem: Error | undefined;
    let destroy = this.lease.conn.broken;
    if (!idle) {
      // The scope may still have a statement on the wire: closing the connection is the only safe rollback.
      this.current?.kill();
      destroy = true;
      problem = new IsolationLeakError(this.key, this.timeouts.endTimeoutMs, holder?.stack);
    } else if (this.brokenBy !== undefined) {
      problem = new IsolationBrokenError(this.key, this.brokenBy);
    }
    if (!destroy) {
      try {
        await this.lease.conn.rollback();
      } catch (error) {
        destroy = true;
        problem ??= new IsolationBrokenError(this.key, error);
      }
    }
    await this.pool.release(this.lease, destroy);
    return problem;
  }
}
