/** True for SQLite's "database is locked by another connection" family, except BUSY_SNAPSHOT. */
export function isBusy(error: unknown): boolean {
  const code = codeOf(error);
  return code === "SQLITE_BUSY" || code === "SQLITE_BUSY_RECOVERY" || code === "SQLITE_BUSY_TIMEOUT";
}

export function codeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a statement that is safe to repeat after SQLITE_BUSY (an autocommit statement, BEGIN IMMEDIATE,
 * COMMIT), retrying with async backoff until `timeoutMs`. SQLite's own busy timeout would do the same
 * wait by spinning, which freezes every request of the process; this waits on timers instead.
 * The first attempt is synchronous, so the uncontended path costs nothing extra.
 */
export async function retryBusy<T>(
  run: () => T,
  timeoutMs: number,
  onTimeout: (error: unknown) => unknown,
): Promise<T> {
  try {
    return run();
  } catch (error) {
    if (!isBusy(error)) throw error;
    if (timeoutMs <= 0) throw onTimeout(error);
  }
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(delay * 2, 50);
    try {
      return run();
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (Date.now() >= deadline) throw onTimeout(error);
    }
  }
}
