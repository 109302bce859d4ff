import type { FinishReport, Outcome } from "../outcome.ts";
import type { Registry } from "../registry.ts";
import { currentScope, type Scope } from "../scope.ts";
import { statusForError } from "./status.ts";

/** The outcome of a request that failed: never a success, whatever was about to be sent. */
export const FAILED: Outcome = Object.freeze({ success: false });

/**
 * Ends a request's scope with its outcome, once the status is known and before the response leaves:
 * each session commits or rolls back by its key's policy and gives its connection back. When that can
 * happen without waiting (nothing to settle, or a driver that commits synchronously, as SQLite's
 * does) the report comes back at once and no promise is made; otherwise a promise of it. Never
 * rejects. `ok: false` means a commit failed: the client must get a 5xx, never the success.
 * Calling it again (or after the client left) answers the first report.
 *
 * @example
 * const ended = endScope(scope, { status: ctx.status });
 * const report = ended instanceof Promise ? await ended : ended;
 * if (!report.ok) throw report.error; // the framework answers 500
 */
export function endScope(scope: Scope, outcome: Outcome): FinishReport | Promise<FinishReport> {
  return scope.finishNow(outcome);
}

/**
 * The outcome of a request whose handler failed with `error`: the status the app's error handling
 * chose when it is an error status (so `extraCommitStatuses` such as 409 still apply), else the
 * status the error stands for (503 for a pool timeout, its own 4xx/5xx, else 500).
 *
 * @example
 * endScope(scope, failedOutcome(c.error, c.res.status)); // c.res.status 200 from a lenient onError: 500
 */
export function failedOutcome(error: unknown, status?: number): Outcome {
  return { status: status !== undefined && status >= 400 && status <= 599 ? status : statusForError(error) };
}

/**
 * The open scope of `db` this code already runs in, if any: a second mount of the same SQLScope
 * (a sub-app, a router, an encapsulated plugin) joins it instead of opening another, as
 * `db.runInScope()` does. A scope of another SQLScope does not count.
 *
 * @example
 * if (joinedScope(db) !== undefined) return next(); // the outer mount settles this request
 */
export function joinedScope(db: Registry): Scope | undefined {
  for (let scope = currentScope(); scope !== undefined; scope = scope.parent) {
    if (scope.registry === db && scope.state === "open") return scope;
  }
  return undefined;
}
