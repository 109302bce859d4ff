// One session's hold on one connection, as an explicit state machine:
//
//   idle --first statement--> opening --leased and BEGIN done--> held
//     \                         |  (acquire or BEGIN failed: back to idle)  |
//      \--scope ended--> closed  \--scope ended--> settling <--scope ended--/
//                                                   |
//                                   committed or rolled back, handed back --> closed
//
// A synchronous path (openNow, settleNow) sits beside each asynchronous one (open, settle): the sync
// ones are for drivers on a synchronous library (better-sqlite3), where a warm request then makes no
// promise for its transaction at all. The async ones are then-chains, not async/await (see
// docs/architecture.md on the hot path). Each pair must agree; they share every step below them.
import { RELEASED, type Lease } from "../connection-source.ts";
import type { Database } from "../database.ts";
import type { DriverConnection } from "../driver.ts";
import {
  CommitFailedError,
  SecondConnectionError,
  SessionClosedError,
  TransactionError,
  UnsupportedError,
  type SQLScopeError,
} from "../errors.ts";
import { channels } from "../channels.ts";
import type { Decision, SessionResult } from "../outcome.ts";
import { clock, publishAcquire, publishEnd, publishRelease, publishStatement } from "./events.ts";
import type { SessionHost } from "./host.ts";
import { beginReadOnly, mapError } from "./driver-calls.ts";
import { signalWithin } from "./signal.ts";
import { streamStillOpen } from "./stream-open.ts";

export type SlotPhase = "idle" | "opening" | "held" | "settling" | "closed";

export class ConnectionSlot {
  readonly key: string;
  readonly database: Database;
  readonly host: SessionHost;
  phase: SlotPhase = "idle";
  /** The connection on loan (held, or settling after it was held). */
  lease: Lease | undefined = undefined;
  /** The lease and BEGIN under way: statements arriving meanwhile wait on it instead of running outside the transaction. */
  opening: Promise<DriverConnection> | undefined = undefined;
  /** 0: no transaction; 1: a transaction; n > 1: n - 1 savepoints inside it. */
  depth = 0;
  /** transaction(fn) calls running; commit()/rollback() inside one would break its bookkeeping. */
  callbacks = 0;
  /** A begin/commit/rollback (or a fatal error) left the server's state unknown: destroy the connection. */
  unknownState = false;
  /** stream() loops open on this session; any other statement meanwhile is refused. */
  streams = 0;
  private inflight = 0;
  private idleWaiter: (() => void) | undefined = undefined;
  /** performance.now() when the lease was taken: hold time for figures and the release event. */
  private heldSince = 0;

  constructor(database: Database, host: SessionHost) {
    this.database = database;
    this.key = database.key;
    this.host = host;
  }

  /** True once the session holds (or is taking) a connection or runs work: finish() has work to do. */
  get active(): boolean {
    return this.lease !== undefined || this.opening !== undefined || this.inflight > 0;
  }

  /** Statements may start: the scope has not ended. */
  get accepting(): boolean {
    return this.phase === "idle" || this.phase === "opening" || this.phase === "held";
  }

  /** The scope ended and the connection is gone (or never came): what still runs has nothing to run on. */
  get released(): boolean {
    return !this.accepting && this.lease === undefined;
  }

  /** True when this session holds or is taking a connection of `database`'s source. */
  holds(database: Database): boolean {
    return this.database.source === database.source && (this.lease !== undefined || this.opening !== undefined);
  }

  // ---------------------------------------------------------------- one unit of work

  /** A statement (or other call) starts: refused once the scope ended or while a stream is open. */
  enter(): void {
    if (!this.accepting) throw new SessionClosedError(this.key);
    // One connection runs one query at a time: pg and mysql2 would queue this behind the open cursor
    // forever, DuckDB would cut the stream short, better-sqlite3 throws "busy". One clear error for all.
    if (this.streams > 0) throw streamStillOpen(this.key);
    if (this.host.activationPending) {
      // The adapter may end the scope here (its response already ended or the client left).
      this.host.activate();
      if (!this.accepting) throw new SessionClosedError(this.key);
    }
    this.inflight++;
  }

  leave(): void {
    if (--this.inflight === 0 && this.idleWaiter !== undefined) {
      const wake = this.idleWaiter;
      this.idleWaiter = undefined;
      wake();
    }
  }

  /** Counts the statement; returns the start time only when someone listens on the query channel, else -1. */
  startStatement(): number {
    this.host.recordStatement();
    return channels.query.hasSubscribers ? performance.now() : -1;
  }

  endStatement(t0: number, sql: string, rows: number, rowsAffected: number, error: unknown): void {
    // Outside a transaction (manual mode) a statement that succeeded is committed for good.
    if (error === undefined && this.depth === 0) this.host.recordDurable();
    publishStatement(this.host, this.key, this.database.driver.name, t0, sql, rows, rowsAffected, error);
  }

  /** The driver's error as the sqlscope error to throw; a fatal one leaves the connection's state unknown. */
  mapError(error: unknown, sql: string): unknown {
    const mapped = mapError(this.database, error, sql);
    if (mapped.fatal) this.unknownState = true;
    return mapped.error;
  }

  /** Runs a transaction-control statement; if it fails, the connection's state is unknown. */
  async control(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.unknownState = true;
      throw this.mapError(error, "transaction control");
    }
  }

  publishEnd(action: Decision, t0: number, error: unknown): void {
    publishEnd(this.host, this.key, this.database.driver.name, action, t0, error);
  }

  // ---------------------------------------------------------------- taking the connection

  /** The connection, leased (and BEGIN sent, in autocommit modes) at the first call. */
  open(): Promise<DriverConnection> {
    if (this.opening === undefined) {
      // Checked before `opening` is set: a rejected `opening` would mark the session as holding a connection.
      const source = this.database.source;
      if (this.host.parent !== undefined && source.max === 1 && this.host.ancestorHolds(this.database)) {
        return Promise.reject(new SecondConnectionError(this.key));
      }
      this.phase = "opening";
      this.opening = this.acquire();
    }
    return this.opening;
  }

  /**
   * open(), synchronously: a warm connection free and, in autocommit modes, a driver that begins
   * synchronously give the connection at once, with no promise. Otherwise undefined, and the caller
   * awaits open() (which also reports a second connection in a nested scope); when a lease was taken
   * but BEGIN must be awaited (or failed), open() returns that work.
   */
  openNow(): DriverConnection | undefined {
    if (this.opening !== undefined || this.host.parent !== undefined) return undefined;
    const t0 = performance.now();
    const lease = this.database.source.tryAcquire();
    if (lease === undefined) return undefined;
    this.took(lease, t0, t0);
    if (this.database.policy.mode !== "manual") {
      let begun: boolean;
      try {
        begun = !this.database.readOnly && (lease.conn.beginNow?.(this.host.intent) ?? false);
      } catch (error) {
        this.phase = "opening";
        this.opening = this.beginFailed(lease, error);
        return undefined;
      }
      if (!begun) {
        this.phase = "opening";
        this.opening = this.beginOn(lease);
        return undefined;
      }
      this.depth = 1;
    }
    this.holdLease(lease);
    return lease.conn;
  }

  private took(lease: Lease, t0: number, now: number): void {
    this.heldSince = now;
    this.host.recordAcquire(this.key, now - t0);
    publishAcquire(this.host, this.key, this.database.driver.name, now - t0);
  }

  private acquire(): Promise<DriverConnection> {
    const source = this.database.source;
    const t0 = performance.now();
    const lease = source.tryAcquire();
    if (lease !== undefined) {
      // A warm connection took no time to get: one clock read fewer.
      this.took(lease, t0, t0);
      return this.beginOn(lease);
    }
    return source.acquire().then(
      (taken) => {
        this.took(taken, t0, performance.now());
        return this.beginOn(taken);
      },
      (error: unknown) => {
        this.notOpened();
        publishAcquire(this.host, this.key, this.database.driver.name, performance.now() - t0, error);
        throw error;
      },
    );
  }

  /**
   * Begins the scope's transaction on a connection just taken (manual mode: none). The lease is
   * published only after BEGIN: a statement arriving meanwhile waits on `opening` instead of running
   * outside the transaction (a driver's begin may wait on a write gate).
   */
  private beginOn(lease: Lease): Promise<DriverConnection> {
    if (this.database.policy.mode === "manual") {
      this.holdLease(lease);
      return Promise.resolve(lease.conn);
    }
    let begun: Promise<void>;
    try {
      begun = this.database.readOnly ? beginReadOnly(lease.conn) : lease.conn.begin(this.host.intent);
    } catch (error) {
      return this.beginFailed(lease, error);
    }
    return begun.then(
      () => {
        this.depth = 1;
        this.holdLease(lease);
        return lease.conn;
      },
      (error: unknown) => this.beginFailed(lease, error),
    );
  }

  private holdLease(lease: Lease): void {
    this.lease = lease;
    if (this.phase === "opening" || this.phase === "idle") this.phase = "held";
  }

  /** Acquire or BEGIN failed: nothing is held, and the next statement starts over. */
  private notOpened(): void {
    this.opening = undefined;
    if (this.phase === "opening") this.phase = "idle";
  }

  // Nothing ran on this connection yet; drop it so the next statement starts a clean transaction.
  private async beginFailed(lease: Lease, error: unknown): Promise<never> {
    this.notOpened();
    const mapped = this.mapError(error, "BEGIN");
    this.unknownState = false;
    await this.giveBack(lease, true);
    throw mapped;
  }

  // ---------------------------------------------------------------- the end of the scope

  /** Stops new statements; running ones finish. Called by the scope before it settles. */
  close(): void {
    if (this.phase === "idle") this.phase = "closed";
    else if (this.phase === "opening" || this.phase === "held") this.phase = "settling";
  }

  /**
   * settle() without waiting for anything of this scope: no statement running and no connection being
   * taken. Commits or rolls back (synchronously when the driver can: commitNow/rollbackNow) and gives
   * the connection back; returns the result, or a promise of it when the driver or the source answers
   * later. Undefined, having changed nothing, when settle() must wait first. Never throws or rejects.
   */
  settleNow(decision: Decision): SessionResult | Promise<SessionResult> | undefined {
    if (this.inflight > 0 || (this.opening !== undefined && this.lease === undefined)) return undefined;
    this.close();
    const lease = this.lease;
    if (lease === undefined) {
      this.phase = "closed";
      return { key: this.key, action: "none" };
    }
    if (this.depth === 0) return this.handBack(lease, { key: this.key, action: "none" });
    const conn = lease.conn;
    const manual = this.database.policy.mode === "manual";
    const action: Decision = manual ? "rollback" : decision;
    this.depth = 0;
    const t0 = clock((action === "commit" ? channels.commit : channels.rollback).hasSubscribers);
    const now = action === "commit" ? conn.commitNow : conn.rollbackNow;
    if (now !== undefined) {
      let done: boolean;
      try {
        done = now.call(conn);
      } catch (error) {
        return this.afterEnd(lease, action, manual, t0, { error });
      }
      if (done) return this.afterEnd(lease, action, manual, t0, undefined);
    }
    let ending: Promise<void>;
    try {
      ending = action === "commit" ? conn.commit() : conn.rollback();
    } catch (error) {
      return this.afterEnd(lease, action, manual, t0, { error });
    }
    return ending.then(
      () => this.afterEnd(lease, action, manual, t0, undefined),
      (error: unknown) => this.afterEnd(lease, action, manual, t0, { error }),
    );
  }

  /**
   * Ends the session: waits for running statements (up to `waitMs`) and a connection being taken,
   * commits or rolls back per `decision`, returns the connection exactly once (destroying it when its
   * state is unknown). Never throws.
   */
  async settle(decision: Decision, waitMs: number): Promise<SessionResult> {
    this.close();
    const stillRunning = this.inflight > 0 && !(await this.waitIdle(waitMs));
    if (this.opening !== undefined && this.lease === undefined) {
      await this.opening.catch(() => undefined);
    }
    const lease = this.lease;
    if (lease === undefined) {
      this.phase = "closed";
      return { key: this.key, action: "none" };
    }
    if (!stillRunning) {
      // Nothing runs any more and no statement can start (the session is closed), so settleNow()
      // does not decline here; should it ever, the connection is destroyed below, never kept.
      const settled = this.settleNow(decision);
      if (settled !== undefined) return await settled;
    }
    // A statement or stream outlived its scope by waitMs: the connection is busy and its state
    // unknown, so nothing can be committed; destroying it makes the server roll back.
    this.unknownState = true;
    this.depth = 0;
    return this.handBack(lease, {
      key: this.key,
      action: "rollback",
      error: new TransactionError(
        `A statement or stream on "${this.key}" was still running ${waitMs} ms after its scope ended, so the scope's ` +
          "work was rolled back. Await every query (and finish every stream loop) before the handler returns.",
      ),
    });
  }

  private afterEnd(
    lease: Lease,
    action: Decision,
    manual: boolean,
    t0: number,
    failure: { error: unknown } | undefined,
  ): SessionResult | Promise<SessionResult> {
    const result = this.ended(action, manual, failure);
    this.publishEnd(action, t0, result.error);
    return this.handBack(lease, result);
  }

  /** What a commit or rollback at the end of the scope came to. */
  private ended(action: Decision, manual: boolean, failure: { error: unknown } | undefined): SessionResult {
    if (failure === undefined) {
      if (action === "commit") this.host.recordDurable();
      return manual ? { key: this.key, action, leftOpen: true } : { key: this.key, action };
    }
    this.unknownState = true;
    const mapped = this.mapError(failure.error, action.toUpperCase());
    return {
      key: this.key,
      action,
      error: action === "commit" ? new CommitFailedError(this.key, mapped) : (mapped as SQLScopeError),
      ...(manual ? { leftOpen: true } : {}),
    };
  }

  /** Returns the connection exactly once (destroyed when its state is unknown), then answers `result`. */
  private handBack(lease: Lease, result: SessionResult): SessionResult | Promise<SessionResult> {
    this.lease = undefined;
    this.opening = undefined;
    this.phase = "closed";
    const returning = this.giveBack(lease, this.unknownState);
    return returning === undefined ? result : returning.then(() => result);
  }

  // Not async, and undefined when the connection went back at once (the pool's warm path): no promise
  // and no await per request (see docs/architecture.md on the hot path).
  private giveBack(lease: Lease, destroy: boolean): Promise<void> | undefined {
    const now = performance.now();
    const holdMs = now - this.heldSince;
    this.host.recordRelease(holdMs, now);
    const released = this.database.source.release(lease, destroy);
    if (!channels.release.hasSubscribers) return released === RELEASED ? undefined : released;
    return released.then(() => publishRelease(this.host, this.key, this.database.driver.name, holdMs, destroy));
  }

  private waitIdle(ms: number): Promise<boolean> {
    return signalWithin(ms, (signal) => (this.idleWaiter = signal));
  }
}
