// Transactions a caller runs on a session: manual begin/commit/rollback (commit: "manual"), and
// transaction(fn), which nests as a SAVEPOINT inside an open transaction (the scope's own included).
import { channels } from "../channels.ts";
import type { DriverConnection } from "../driver.ts";
import { CommitFailedError, SessionClosedError, TransactionError, UnsupportedError } from "../errors.ts";
import type { ConnectionSlot } from "./connection-slot.ts";
import { clock } from "./events.ts";

/** Manual mode: begins a transaction. */
export async function begin(slot: ConnectionSlot): Promise<void> {
  slot.enter();
  try {
    requireManual(slot, "begin()");
    if (slot.depth > 0) {
      throw new TransactionError(
        `A transaction is already open on "${slot.key}". Use transaction(fn) to nest one (a savepoint).`,
      );
    }
    const conn = slot.lease?.conn ?? (await slot.open());
    await slot.control(() => conn.begin(slot.host.intent));
    slot.depth = 1;
  } finally {
    slot.leave();
  }
}

/** Manual mode: commits or rolls back the transaction begin() opened. */
export async function endManual(slot: ConnectionSlot, action: "commit" | "rollback"): Promise<void> {
  slot.enter();
  try {
    requireManual(slot, `${action}()`);
    if (slot.callbacks > 0) {
      throw new TransactionError(
        `${action}() was called inside transaction(fn) on "${slot.key}"; return from fn (or throw) to end it.`,
      );
    }
    if (slot.depth === 0 || slot.lease === undefined) {
      throw new TransactionError(`${action}() on "${slot.key}" without an open transaction; call begin() first.`);
    }
    const conn = slot.lease.conn;
    slot.depth = 0;
    const t0 = clock((action === "commit" ? channels.commit : channels.rollback).hasSubscribers);
    try {
      await slot.control(() => (action === "commit" ? conn.commit() : conn.rollback()));
    } catch (error) {
      const failed = action === "commit" ? new CommitFailedError(slot.key, error) : error;
      slot.publishEnd(action, t0, failed);
      throw failed;
    }
    if (action === "commit") slot.host.recordDurable();
    slot.publishEnd(action, t0, undefined);
  } finally {
    slot.leave();
  }
}

/**
 * Runs fn in a transaction: commits when it resolves, rolls back when it throws (and rethrows); inside
 * another transaction a savepoint, so a failure undoes only fn's work.
 */
export async function transaction<S, T>(
  slot: ConnectionSlot,
  session: S,
  fn: (session: S) => Promise<T> | T,
): Promise<T> {
  slot.enter();
  let conn!: DriverConnection;
  let savepoint: string | undefined;
  try {
    conn = slot.lease?.conn ?? (await slot.open());
    if (slot.depth === 0) {
      await slot.control(() => conn.begin(slot.host.intent));
    } else {
      const { driver } = slot.database;
      if (!driver.dialect.savepoints) {
        throw new UnsupportedError(
          `${driver.name} has no savepoints, so transaction(fn) cannot nest inside the transaction of "${slot.key}". ` +
            "Run the work directly in the enclosing transaction.",
        );
      }
      savepoint = `sqlscope_sp_${slot.depth}`;
      const name = savepoint;
      await slot.control(() => conn.savepoint(name));
    }
    slot.depth++;
    slot.callbacks++;
  } finally {
    slot.leave();
  }
  const name = savepoint;
  let result: T;
  try {
    result = await fn(session);
  } catch (error) {
    slot.callbacks--;
    slot.depth--;
    if (!slot.released) {
      await slot
        .control(() => (name === undefined ? conn.rollback() : conn.rollbackToSavepoint(name)))
        .catch(() => {
          // control() marked the state unknown; the error that matters to the caller is fn's.
        });
    }
    throw error;
  }
  slot.callbacks--;
  slot.depth--;
  if (slot.released) throw new SessionClosedError(slot.key);
  const t0 = name === undefined ? clock(channels.commit.hasSubscribers) : -1;
  try {
    await slot.control(() => (name === undefined ? conn.commit() : conn.releaseSavepoint(name)));
  } catch (error) {
    if (name === undefined) {
      const failed = new CommitFailedError(slot.key, error);
      slot.publishEnd("commit", t0, failed);
      throw failed;
    }
    throw error;
  }
  if (name === undefined) {
    slot.host.recordDurable();
    slot.publishEnd("commit", t0, undefined);
  }
  return result;
}

function requireManual(slot: ConnectionSlot, what: string): void {
  const mode = slot.database.policy.mode;
  if (mode !== "manual") {
    throw new TransactionError(
      `${what} is for commit: "manual"; "${slot.key}" uses commit: "${mode}", where the scope's transaction ` +
        "ends by its outcome. Use transaction(fn) for a unit that commits or rolls back on its own.",
    );
  }
}
