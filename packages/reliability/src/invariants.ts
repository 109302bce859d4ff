import type { SQLScope } from "@sqlscope/core";
import type { Backend } from "./backends/types.ts";
import { eventually } from "./eventually.ts";

/**
 * The "nothing lost" checks after a scenario: no connection still borrowed or waited for, and no
 * server session of this database left inside a transaction. Waits (bounded) for scopes whose
 * rollback runs after the client already left.
 *
 * @example
 * await assertQuiet(db, backend);
 */
export async function assertQuiet(db: SQLScope, backend?: Backend, key?: string): Promise<void> {
  await eventually(
    () => {
      const s = db.stats(key);
      return s.borrowed === 0 && s.pending === 0;
    },
    () => `no borrowed connection and no waiter (stats: ${JSON.stringify(db.stats(key))})`,
  );
  if (backend !== undefined) {
    let open = -1;
    await eventually(
      async () => (open = await backend.openTransactions()) === 0,
      () => `no open transaction on any ${backend.name} session (last count: ${open})`,
    );
  }
}
