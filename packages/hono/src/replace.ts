import type { Context } from "hono";

/**
 * Puts `response` in place of the context's. Assigning over an existing c.res copies the old headers
 * (Location, Content-Length...) onto the new response; clearing it first keeps the new one clean. The
 * old body is never read, so it is cancelled.
 */
export function replace(c: Context, response: Response): void {
  const old = c.res;
  c.res = undefined;
  c.res = response;
  if (old.body !== null && old.body !== response.body && !old.bodyUsed) old.body.cancel().catch(() => undefined);
}
