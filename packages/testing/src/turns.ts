/** Someone waiting for the lock. */
interface Waiter {
  readonly stack: string | undefined;
  readonly grant: (holder: Holder) => void;
  readonly fail: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** The current owner of the lock, with the stack that took it for deadlock reports. */
export interface Holder {
  readonly since: number;
  readonly stack: string | undefined;
}

/**
 * A first-come, first-served lock with a deadline per waiter. Scopes of an isolated test take turns on
 * one connection through it: savepoints nest like a stack, so two scopes' savepoints must never interleave.
 */
export class Turns {
  private holder: Holder | undefined = undefined;
  private readonly waiters: Waiter[] = [];
  private closedWith: (() => Error) | undefined = undefined;
  private readonly onIdle: (() => void)[] = [];
  /** Turns granted so far, and the longest queue seen (how much the test's scopes overlapped). */
  taken = 0;
  maxWaiting = 0;

  get held(): Holder | undefined {
    return this.holder;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Waits for the lock. Rejects with `onTimeout()` after `timeoutMs`, or with the close error when
   * close() runs first.
   */
  take(timeoutMs: number, onTimeout: (holder: Holder | undefined) => Error): Promise<Holder> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith());
    const stack = new Error("turn taken here").stack;
    if (this.holder === undefined) return Promise.resolve(this.grant(stack));
    return new Promise<Holder>((resolve, reject) => {
      const waiter: Waiter = { stack, grant: resolve, fail: reject, timer: undefined };
      waiter.timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(onTimeout(this.holder));
      }, timeoutMs);
      this.waiters.push(waiter);
      this.maxWaiting = Math.max(this.maxWaiting, this.waiters.length);
    });
  }

  /** Hands the lock to the next waiter, or frees it. */
  give(): void {
    this.holder = undefined;
    const next = this.waiters.shift();
    if (next === undefined) {
      for (const wake of this.onIdle.splice(0)) wake();
      return;
    }
    clearTimeout(next.timer);
    next.grant(this.grant(next.stack));
  }

  /** Refuses every waiter and every later take() with `error()`; the holder keeps the lock until give(). */
  close(error: () => Error): void {
    this.closedWith = error;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.fail(error());
    }
  }

  /** Resolves true once nobody holds the lock, false after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.holder === undefined) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const index = this.onIdle.indexOf(wake);
        if (index >= 0) this.onIdle.splice(index, 1);
        resolve(false);
      }, timeoutMs);
      this.onIdle.push(wake);
    });
  }

  private grant(stack: string | undefined): Holder {
    this.taken++;
    this.holder = { since: Date.now(), stack };
    return this.holder;
  }
}
