import type { TransactionIntent } from "@sqlscope/core/driver";
import Database from "better-sqlite3";
import { codeOf } from "./busy.ts";

// better-sqlite3's SqliteError cannot be subclassed (its constructor returns a plain SqliteError
// when called for a subclass), so the advice travels beside the error.
const advice = new WeakMap<object, string>();

/**
 * A deferred transaction's first write refused because another connection committed after this one
 * began reading (SQLITE_BUSY_SNAPSHOT): its snapshot is stale and SQLite will not upgrade it. The
 * message says so in words; the fix for where the scope came from (by its intent; "never":
 * immediateTransactions: false) is what classifyError hands to the core's SerializationError in
 * place of the generic "re-run it".
 */
export function upgradeFailed(cause: unknown, intent: TransactionIntent | "never" | undefined): Error {
  const error = new Database.SqliteError(
    "this transaction began as a read (BEGIN DEFERRED) and had to become a write after another connection committed, " +
      "which SQLite refuses: what it read may be stale (SQLITE_BUSY_SNAPSHOT). Nothing it wrote was saved.",
    codeOf(cause) ?? "SQLITE_BUSY_SNAPSHOT",
  );
  error.cause = cause;
  advice.set(error, adviceFor(intent));
  return error;
}

/** The fix upgradeFailed() attached to `error`, if it made it. */
export function upgradeAdvice(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? advice.get(error) : undefined;
}

function adviceFor(intent: TransactionIntent | "never" | undefined): string {
  switch (intent) {
    case "never":
      return (
        "The sqlite() option immediateTransactions: false keeps every transaction deferred; drop it, so scopes that will write " +
        '(POST, PUT, PATCH and DELETE requests, runInScope(fn, { intent: "write" })) take the write lock at their first statement.'
      );
    case "read":
      return (
        'Its scope said it would only read (a GET, HEAD or OPTIONS request, or intent: "read"). Give this route write intent ' +
        '(the adapter\'s intent option, e.g. intent: (req) => (req.url.startsWith("/visits") ? "write" : methodIntent(req.method))), ' +
        "or make the writing endpoint a POST, PUT, PATCH or DELETE: those take the write lock at their first statement."
      );
    default:
      return (
        'Pass { intent: "write" } to runInScope (or db.createScope()) so the transaction takes the write lock at its first ' +
        "statement, or { retry: 3 } to re-run the whole scope; in manual mode, write first or retry the transaction."
      );
  }
}
