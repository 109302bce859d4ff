import { PoolTimeoutError } from "@sqlscope/core";

/**
 * The status a thrown error will get from Koa: its own `status`/`statusCode` when that is an error
 * status, 503 for a pool timeout, else 500. A thrown error never settles as a success.
 */
export function errorStatus(error: unknown): number {
  const own = ownStatus(error);
  if (own !== undefined) return own;
  return error instanceof PoolTimeoutError ? 503 : 500;
}

/**
 * Gives a pool timeout the 503 it deserves in Koa's own error handling (Koa reads `err.status`), and
 * keeps its message away from the client.
 */
export function markPoolTimeout(error: unknown): void {
  if (error instanceof PoolTimeoutError && ownStatus(error) === undefined) {
    Object.assign(error, { status: 503, expose: false });
  }
}

function ownStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === "number" ? status : statusCode;
  return typeof value === "number" && Number.isInteger(value) && value >= 400 && value <= 599 ? value : undefined;
}
