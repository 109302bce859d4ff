import type { Outcome } from "./policy.ts";
import type { SettleResult } from "./session.ts";

/**
 * What one scope did, for loggers and metrics: read `scope.figures` (or `report.figures` from finish())
 * once the scope finished.
 *
 * @example
 * res.on("finish", () => logger.info({ status: res.statusCode, ...scope.figures }, "request"));
 */
export interface ScopeFigures {
  /** Database keys that took a connection, in the order they did. */
  readonly keys: readonly string[];
  /** Statements run (execute, select*, executeMany, executeScript, stream). */
  readonly statements: number;
  /** Time spent waiting for pool connections, summed over keys (ms). */
  readonly acquireWaitMs: number;
  /** Time connections were held, summed over keys (ms). */
  readonly holdMs: number;
  /** From the scope's creation to the end of finish(), hooks included (ms); undefined while it runs. */
  readonly durationMs: number | undefined;
  /** The HTTP status the scope was finished with (undefined outside HTTP). */
  readonly status: number | undefined;
  /** What finish() was given: an HTTP status or a script's success. Undefined while the scope runs. */
  readonly outcome: Outcome | undefined;
  /** What happened to the transactions: "none" when no session had one open when the scope ended. */
  readonly result: SettledResult | undefined;
  /** False when a commit failed (the client got a 5xx instead of its success). */
  readonly ok: boolean | undefined;
}

export type SettledResult = "commit" | "rollback" | "none";

/** A rollback anywhere wins; otherwise a commit anywhere; otherwise nothing was settled. */
export function settledResult(ok: boolean, sessions: readonly SettleResult[]): SettledResult {
  if (!ok) return "rollback";
  let result: SettledResult = "none";
  for (const session of sessions) {
    if (session.action === "rollback") return "rollback";
    if (session.action === "commit") result = "commit";
  }
  return result;
}
