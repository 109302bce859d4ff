// `postgres({ pooler: "transaction" })`: PostgreSQL behind a transaction-pooling proxy (PgBouncer with
// pool_mode = transaction). Every transaction may run on another server session, shared with other
// clients, so nothing may live in a session beyond its transaction:
// - settings that would be startup parameters (which PgBouncer refuses: "unsupported startup
//   parameter") are sent as SET LOCAL with each BEGIN, in the same round trip;
// - statements that leave session state behind fail before they are sent, with the fix.
import { UnsupportedError } from "@sqlscope/core";

/** What a connection does differently behind a transaction pooler. */
export interface PoolerSettings {
  /** BEGIN plus the SET LOCALs, one simple-protocol message: one round trip, as BEGIN alone. */
  readonly begin: string;
  readonly beginReadOnly: string;
}

/** Settings (name, ms) made per transaction instead of per connection. */
export function poolerSettings(local: readonly (readonly [string, number])[]): PoolerSettings {
  const sets = local.map(([name, ms]) => `; SET LOCAL ${name} = ${ms}`).join("");
  return { begin: `BEGIN${sets}`, beginReadOnly: `BEGIN READ ONLY${sets}` };
}

// At the start of the text or of a later statement in it (executeScript), case-insensitive. Each
// names what to do instead; the order is the order they are tried.
const SESSION_STATE: readonly (readonly [RegExp, string])[] = [
  [
    /(?:^|;)\s*SET\s+(?!LOCAL\b|TRANSACTION\b|CONSTRAINTS\b)/i,
    "SET changes the server session, which the pooler hands to other clients after this transaction. Use SET LOCAL " +
      "(it lasts until the transaction ends; autocommit keys run the whole scope in one), or set it for the role: " +
      "ALTER ROLE app_user SET name = value",
  ],
  [
    /(?:^|;)\s*(?:RESET|DISCARD)\b/i,
    "RESET and DISCARD act on a server session this client does not own between transactions",
  ],
  [
    /(?:^|;)\s*(?:LISTEN|UNLISTEN)\b/i,
    "LISTEN needs a session that stays yours: the notifications would go to whoever gets the server session next. " +
      "Listen on a connection straight to PostgreSQL (not through the pooler)",
  ],
  [
    /(?:^|;)\s*(?:PREPARE|EXECUTE|DEALLOCATE)\b/i,
    "SQL-level prepared statements live in a server session; run the statement itself (sqlscope sends parameters separately)",
  ],
  [
    /\bpg_(?:try_)?advisory_(?:lock|unlock)(?:_shared|_all)?\s*\(/i,
    "session advisory locks outlive the transaction; use pg_advisory_xact_lock()",
  ],
  [
    /(?:^|;)\s*CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?TEMP(?:ORARY)?\s+TABLE\b(?![^;]*\bON\s+COMMIT\s+DROP\b)/i,
    "a TEMP table outlives the transaction in a shared server session; add ON COMMIT DROP",
  ],
  [
    /(?:^|;)\s*DECLARE\b[^;]*\bWITH\s+HOLD\b/i,
    "a WITH HOLD cursor outlives the transaction; use stream() inside the scope",
  ],
];

/**
 * Throws UnsupportedError, before anything is sent, for a statement that would leave state in a
 * shared server session. Only for connections with `pooler: "transaction"`.
 *
 * @example
 * refuseSessionState("SET search_path = app"); // UnsupportedError: ... Use SET LOCAL ...
 */
export function refuseSessionState(sql: string): void {
  for (const [pattern, fix] of SESSION_STATE) {
    if (pattern.test(sql)) {
      throw new UnsupportedError(
        `postgres({ pooler: "transaction" }): this statement cannot work behind a transaction-pooling PgBouncer: ${fix}. ` +
          `Statement: ${sql.replace(/\s+/g, " ").trim().slice(0, 120)}`,
      );
    }
  }
}
