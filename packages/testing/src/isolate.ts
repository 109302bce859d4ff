import { ConfigError, UnsupportedError, type SQLScope } from "@sqlscope/core";
import { reportWarning } from "@sqlscope/core/adapter";
import { connectionSourceOf, driverFor, replaceConnectionSource } from "@sqlscope/core/testing";
import { AlreadyIsolatedError } from "./errors.ts";
import { IsolatedSource } from "./isolated-source.ts";
import { SharedConnection, type TurnStats } from "./shared-connection.ts";

export interface IsolateOptions {
  /** The keys to isolate; default every key of the SQLScope. */
  keys?: readonly string[];
  /** How long a scope waits for its turn on a key's shared connection (default 5000 ms). */
  turnTimeoutMs?: number;
  /** How long rollback() waits for a scope that still holds a connection (default 2000 ms). */
  endTimeoutMs?: number;
}

/** SQLScopes isolated right now: two isolations of one SQLScope would share nothing but confusion. */
const active = new WeakMap<SQLScope, Isolation>();

/**
 * Runs everything a test does with `db` inside one transaction per key that `rollback()` undoes: the
 * test body's db.runInScope() calls and every request the test sends to the app join it, each scope's
 * own commit or rollback becoming a savepoint. Scopes of one key take turns on one connection.
 *
 * @example
 * const t = await isolate(db);
 * try {
 *   await fetch(`${url}/users`, { method: "POST", body: JSON.stringify({ email: "a@x" }) });
 *   expect(await db.runInScope(() => getSession().selectValue("SELECT count(*) FROM users"))).toBe(1);
 * } finally {
 *   await t.rollback(); // the user is gone again
 * }
 */
export async function isolate(db: SQLScope, options: IsolateOptions = {}): Promise<Isolation> {
  if (active.has(db)) throw new AlreadyIsolatedError();
  const keys = options.keys ?? db.keys;
  if (keys.length === 0)
    throw new ConfigError("isolate(db) needs a SQLScope with at least one database: call db.add(driver) first.");
  for (const key of keys) {
    const driver = driverFor(db, key);
    if (!driver.dialect.savepoints) {
      throw new UnsupportedError(
        `${driver.name} has no savepoints, so rollback-per-test cannot nest the scopes of "${key}" inside one test ` +
          `transaction. Give each test its own database (a fresh temp file), or isolate the other keys only: ` +
          `isolate(db, { keys: [${db.keys
            .filter((k) => k !== key)
            .map((k) => `"${k}"`)
            .join(", ")}] }).`,
      );
    }
  }
  const isolation = new Isolation(db, {
    turnTimeoutMs: positive("turnTimeoutMs", options.turnTimeoutMs ?? 5_000),
    endTimeoutMs: positive("endTimeoutMs", options.endTimeoutMs ?? 2_000),
  });
  active.set(db, isolation);
  try {
    for (const key of keys) await isolation.join(key);
  } catch (error) {
    // The keys already joined are put back; the error that matters is the one that stopped isolate().
    await isolation.rollback().catch(() => undefined);
    throw error;
  }
  return isolation;
}

/** One test's transactions. Get it from isolate(); end it with rollback(). */
export class Isolation {
  readonly db: SQLScope;
  private readonly timeouts: { turnTimeoutMs: number; endTimeoutMs: number };
  private readonly shared = new Map<string, { conn: SharedConnection; restore: () => void }>();
  private ending: Promise<void> | undefined = undefined;

  /** @internal use isolate(). */
  constructor(db: SQLScope, timeouts: { turnTimeoutMs: number; endTimeoutMs: number }) {
    this.db = db;
    this.timeouts = timeouts;
  }

  /** The isolated keys. */
  get keys(): string[] {
    return [...this.shared.keys()];
  }

  /** False once rollback() started. */
  get active(): boolean {
    return this.ending === undefined;
  }

  /** How the test's scopes used a key's shared connection (default key when omitted). */
  stats(key?: string): TurnStats {
    const shared = this.shared.get(key ?? this.db.defaultKey);
    if (shared === undefined)
      throw new ConfigError(`"${key ?? this.db.defaultKey}" is not isolated; isolated keys: ${this.keys.join(", ")}.`);
    return shared.conn.stats();
  }

  /** @internal takes a key's shared connection and points its sessions at it. */
  async join(key: string): Promise<void> {
    const real = connectionSourceOf(this.db, key);
    const conn = await SharedConnection.open(key, real, this.timeouts);
    const source = new IsolatedSource(conn, real, () => this.endedByClose());
    this.shared.set(key, { conn, restore: replaceConnectionSource(this.db, key, source) });
  }

  /**
   * Waits for scopes still running (up to endTimeoutMs), rolls back every key's transaction, returns the
   * connections and puts the real pools back. Rejects with IsolationLeakError when a scope outlived the
   * test, or IsolationBrokenError when the test's transaction was lost; the pools are restored either way.
   * Idempotent.
   */
  rollback(): Promise<void> {
    this.ending ??= this.end();
    return this.ending;
  }

  private async end(): Promise<void> {
    const problems: Error[] = [];
    for (const [, { conn, restore }] of [...this.shared].reverse()) {
      const problem = await conn.end();
      restore();
      if (problem !== undefined) problems.push(problem);
    }
    if (active.get(this.db) === this) active.delete(this.db);
    for (const extra of problems.slice(1)) reportWarning(this.db, extra);
    if (problems.length > 0) throw problems[0] as Error;
  }

  private async endedByClose(): Promise<void> {
    try {
      await this.rollback();
    } catch (error) {
      reportWarning(this.db, error as Error);
    }
  }
}

function positive(name: string, value: number): number {
  if (!(value > 0))
    throw new ConfigError(`isolate(db, { ${name} }) must be a number of milliseconds > 0, got ${String(value)}.`);
  return value;
}
