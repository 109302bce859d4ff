import type { SQLScope } from "@sqlscope/core";
import { isolate } from "@sqlscope/testing";

/** Runs `work` (requests to the app, db.runInScope(...)) inside a transaction rolled back afterwards. */
export async function withRollback(db: SQLScope, work: () => Promise<void>): Promise<void> {
  const t = await isolate(db); // every key of db; isolate(db, { keys: ["db"] }) for some
  try {
    await work();
  } finally {
    await t.rollback(); // idempotent
  }
}
