/**
 * Polls `check` until it holds; throws naming `what` after `timeoutMs` instead of hanging a test.
 *
 * @example
 * await eventually(() => db.stats().borrowed === 0, "every connection returned");
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${typeof what === "string" ? what : what()}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
