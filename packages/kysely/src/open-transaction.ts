import type { Session } from "@sqlscope/core";

/** A transaction(fn) of the session held open between separate begin, commit and rollback calls. */
export interface OpenTransaction {
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** Rejects fn's promise to make Session.transaction() roll back; never reaches the caller. */
const ROLLBACK = Symbol("rollback");

/**
 * Kysely begins, commits and rolls back in three separate driver calls; the session's transaction(fn)
 * (BEGIN, or a SAVEPOINT inside the scope's transaction) wants one callback. The callback waits here
 * until commit() or rollback() settles it. Resolves once the transaction or savepoint is open.
 */
export function openTransaction(session: Session): Promise<OpenTransaction> {
  return new Promise<OpenTransaction>((resolve, reject) => {
    let opened = false;
    const done = session.transaction(
      () =>
        new Promise<void>((commit, rollback) => {
          opened = true;
          resolve({
            commit: () => {
              commit();
              return done;
            },
            rollback: () => {
              rollback(ROLLBACK);
              return done.catch((error: unknown) => {
                if (error !== ROLLBACK) throw error;
              });
            },
          });
        }),
    );
    // Before the callback ran, a failure is BEGIN's or SAVEPOINT's: begin fails with it. After, it is
    // handed to whoever commits or rolls back.
    done.catch((error: unknown) => {
      if (!opened) reject(error);
    });
  });
}
