import { SQLScopeError } from "../errors.ts";

const NOT_CAPTURED =
  "(not captured: a stack costs microseconds per checkout, so with the default leakDetectionMs a pool starts capturing " +
  "after its first leak and later reports show where the connection was taken; set pool.leakDetectionMs yourself to capture from the start)";

/** A connection held longer than `leakDetectionMs`. Reported through the SQLScope's onWarning. */
export class LeakWarning extends SQLScopeError {
  constructor(key: string, heldMs: number, stack: string | undefined) {
    super(
      "ERR_SQLSCOPE_LEAK",
      `A connection of "${key}" has been borrowed for ${heldMs} ms (pool.leakDetectionMs). ` +
        `Long transactions hold connections other requests wait for; find the scope that never ends.\n` +
        `Taken at:\n${stack ?? NOT_CAPTURED}`,
    );
  }
}

export function captureStack(below: (...args: never[]) => unknown): { stack?: string } {
  const holder: { stack?: string } = {};
  // captureStackTrace records frames now and formats them only if .stack is read; recording alone is still microseconds.
  Error.captureStackTrace(holder, below);
  return holder;
}

export function formatTaker(taker: { stack?: string } | undefined): string | undefined {
  return taker?.stack?.split("\n").slice(1).join("\n");
}

/**
 * Reports each lease held at least `thresholdMs` once, checking a few times per threshold (10 ms to
 * 1 s); the timer does not keep the process alive.
 */
export function watchLeaks<L extends { acquiredAt: number; reported: boolean }>(
  leases: ReadonlySet<L>,
  thresholdMs: number,
  report: (lease: L, heldMs: number) => void,
): NodeJS.Timeout {
  const timer = setInterval(
    () => {
      const now = Date.now();
      for (const lease of leases) {
        if (!lease.reported && now - lease.acquiredAt >= thresholdMs) {
          lease.reported = true;
          report(lease, now - lease.acquiredAt);
        }
      }
    },
    Math.max(10, Math.min(1000, thresholdMs / 4)),
  );
  timer.unref();
  return timer;
}
