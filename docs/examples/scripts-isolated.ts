// scripts.md: a row that must outlive a failed request, written by an isolated scope after the
// request's own transaction ended (the rule for SQLite's write gate).
import { afterRollback, getSession, type SQLScope } from "@sqlscope/core";

// docs:start audit
/**
 * Records a refused payment even though the request answers 402 and rolls back what it wrote. The
 * isolated scope runs in a hook, once the request's transaction ended: on SQLite it would otherwise wait
 * for the write gate its own request holds.
 */
export function recordRefusal(db: SQLScope, account: number, reason: string): void {
  afterRollback(() =>
    db.runInScope(
      () => getSession().execute("INSERT INTO refusals (account, reason) VALUES (?, ?)", [account, reason]),
      { isolated: true },
    ),
  );
}
// docs:end
