// What a session publishes on the diagnostics channels. Every publisher checks `hasSubscribers` first
// (or was handed a start time only when someone listened): with nobody listening, one property read.
import { channels } from "../channels.ts";
import type { Decision } from "../outcome.ts";
import { publishedError } from "../redact.ts";
import type { SessionHost } from "./host.ts";

/** The start time for an event when someone listens on `listening`, else -1 (no clock read). */
export function clock(listening: boolean): number {
  return listening ? performance.now() : -1;
}

export function publishStatement(
  host: SessionHost,
  key: string,
  driver: string,
  t0: number,
  sql: string,
  rows: number,
  rowsAffected: number,
  error: unknown,
): void {
  if (t0 < 0 || !channels.query.hasSubscribers) return;
  channels.query.publish({
    scope: host,
    key,
    driver,
    sql,
    durationMs: performance.now() - t0,
    rows,
    rowsAffected,
    ...(error === undefined ? {} : { error: publishedError(error, host.errorMessages) }),
  });
}

/** A commit or rollback (the scope's, or a manual one) ended. */
export function publishEnd(
  host: SessionHost,
  key: string,
  driver: string,
  action: Decision,
  t0: number,
  error: unknown,
): void {
  const channel = action === "commit" ? channels.commit : channels.rollback;
  if (t0 < 0 || !channel.hasSubscribers) return;
  channel.publish({
    scope: host,
    key,
    driver,
    durationMs: performance.now() - t0,
    ...(error === undefined ? {} : { error: publishedError(error, host.errorMessages) }),
  });
}

export function publishAcquire(host: SessionHost, key: string, driver: string, waitMs: number, error?: unknown): void {
  if (!channels.acquire.hasSubscribers) return;
  channels.acquire.publish({
    scope: host,
    key,
    driver,
    waitMs,
    ...(error === undefined ? {} : { error: publishedError(error, host.errorMessages) }),
  });
}

export function publishRelease(
  host: SessionHost,
  key: string,
  driver: string,
  holdMs: number,
  destroyed: boolean,
): void {
  channels.release.publish({ scope: host, key, driver, holdMs, destroyed });
}
