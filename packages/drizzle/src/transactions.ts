import { UnsupportedError, type Session } from "@sqlscope/core";
import { TransactionRollbackError } from "drizzle-orm";

type TransactionFn = (tx: unknown) => unknown;

/**
 * Replaces the database's transaction() with the session's: BEGIN in a scope that has none open
 * (commit: "manual"), otherwise a SAVEPOINT of the scope's transaction, so a rollback inside undoes
 * only its own work. `tx` is the database itself with rollback(): every query already runs on the
 * request's connection, so the queries in the callback are inside the savepoint.
 */
export function scopeTransactions<D extends object>(db: D, session: () => Session): D {
  const run = (fn: TransactionFn, config?: unknown): Promise<unknown> => {
    if (config !== undefined) return Promise.reject(configUnsupported());
    let current: Session;
    try {
      current = session();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return current.transaction(() => fn(tx));
  };
  const tx: object = Object.create(db, {
    transaction: { value: run },
    rollback: {
      value: (): never => {
        throw new TransactionRollbackError();
      },
    },
    setTransaction: { value: () => Promise.reject(configUnsupported()) },
  });
  Object.defineProperty(db, "transaction", { value: run, configurable: true, writable: true });
  return db;
}

function configUnsupported(): UnsupportedError {
  return new UnsupportedError(
    "Transaction settings (isolationLevel, accessMode, behavior, ...) cannot apply inside a sqlscope scope: there the " +
      "transaction is the scope's own (or a savepoint of it), begun at its first statement. On PostgreSQL run " +
      "SET TRANSACTION ISOLATION LEVEL ... as the scope's first statement, or use a scope of its own (db.runInScope).",
  );
}
