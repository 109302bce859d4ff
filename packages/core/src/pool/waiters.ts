import type { DriverConnection } from "../driver.ts";

/**
 * One acquire() call waiting for a connection. It is settled once: by a connection handed to it, by
 * its deadline, or by the pool closing; whatever comes after that is refused (see give()).
 */
export class Waiter {
  private done = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly resolve: (conn: DriverConnection) => void,
    private readonly reject: (error: unknown) => void,
    timeoutMs: number,
    onTimeout: (waiter: Waiter) => unknown,
  ) {
    this.timer = setTimeout(() => this.fail(onTimeout(this)), timeoutMs);
  }

  get settled(): boolean {
    return this.done;
  }

  /** Hands the connection over; false when the waiter already gave up (the connection is still the caller's). */
  give(conn: DriverConnection): boolean {
    if (this.done) return false;
    this.done = true;
    clearTimeout(this.timer);
    this.resolve(conn);
    return true;
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.reject(error);
  }
}

/**
 * acquire() calls waiting while every connection is lent, oldest first. A released connection goes to
 * the oldest straight away: through generic-pool, the same hand-off costs a release, a dispense, a
 * validation promise and a fresh acquire timer for each request, which under contention (more requests
 * than connections, the normal state of a busy server) is paid by every single request.
 */
export class WaiterQueue {
  private readonly queue: Waiter[] = [];

  get length(): number {
    return this.queue.length;
  }

  /** Waits for give() or the deadline; `onTimeout` makes the deadline's error. */
  wait(timeoutMs: number, onTimeout: () => unknown): Promise<DriverConnection> {
    return new Promise<DriverConnection>((resolve, reject) => {
      this.queue.push(
        new Waiter(resolve, reject, timeoutMs, (waiter) => {
          const at = this.queue.indexOf(waiter);
          if (at >= 0) this.queue.splice(at, 1);
          return onTimeout();
        }),
      );
    });
  }

  /** The oldest waiter, out of the queue; undefined when nobody waits. */
  take(): Waiter | undefined {
    return this.queue.shift();
  }

  /** Gives `conn` to the oldest waiter; false when nobody waits. */
  give(conn: DriverConnection): boolean {
    for (let waiter = this.queue.shift(); waiter !== undefined; waiter = this.queue.shift()) {
      if (waiter.give(conn)) return true;
    }
    return false;
  }

  failAll(error: unknown): void {
    for (const waiter of this.queue.splice(0)) waiter.fail(error);
  }
}
