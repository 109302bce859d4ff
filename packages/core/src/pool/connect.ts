import type { Driver, DriverConnection } from "../driver.ts";

// A connect without a deadline (pg's default) would strand generic-pool's create, and drain() with it.
export async function connectWithin(driver: Driver, ms: number): Promise<DriverConnection> {
  const attempt = driver.connect();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`connecting took longer than ${ms} ms (pool.acquireTimeoutMs)`));
    }, ms);
  });
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
    if (timedOut) {
      // Nobody waits for the late connection any more: close it when it arrives.
      attempt.then((late) => late.close()).catch(() => undefined);
    }
  }
}

/** The connection's own check, bounded: false when it fails, rejects or hangs past `ms`. Never rejects. */
export async function validateWithin(conn: DriverConnection, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    return await Promise.race([conn.validate(), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
