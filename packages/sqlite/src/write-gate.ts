import { SerializationError } from "@sqlscope/core";

interface Waiter {
  readonly owner: object;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
}

/**
 * An async FIFO lock for the writers of one database file. better-sqlite3 is synchronous and its busy
 * handler spins the whole process, so writers of this process queue here (costing nothing while they
 * wait) and reach SQLite only when no other in-process writer holds the file's write lock.
 */
export class WriteGate {
  readonly label: string;
  private holder: object | undefined = undefined;
  private readonly waiters: Waiter[] = [];

  constructor(label: string) {
    this.label = label;
  }

  /** Who holds the gate (a connection), for tests and diagnostics. */
  get heldBy(): object | undefined {
    return this.holder;
  }

  /** Number of writers waiting. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Takes the gate if it is free. The fast path: no promise, no timer. */
  tryAcquire(owner: object): boolean {
    if (this.holder === owner) return true;
    if (this.holder !== undefined) return false;
    this.holder = owner;
    return true;
  }

  /** Waits for the gate in arrival order; rejects with the retryable SerializationError after timeoutMs. */
  acquire(owner: object, timeoutMs: number): Promise<void> {
    if (this.tryAcquire(owner)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { owner, resolve, reject, timer: undefined, done: false };
      waiter.timer = setTimeout(() => {
        if (waiter.done) return;
        waiter.done = true;
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        reject(
          new SerializationError(
            `A write to ${this.label} waited ${timeoutMs} ms for the in-process write gate, held by another transaction of ` +
              `this process (${this.waiters.length} more waiting). A writing request holds the gate from its first statement ` +
              "until its response (POST, PUT, PATCH and DELETE from the first statement on, others from their first write): " +
              "keep slow work (network calls, hashing, timers) before the first statement or after the response, or raise " +
              "the sqlite() option writeTimeoutMs.",
            undefined,
            "Nothing of this transaction was saved; it can be re-run (runInScope(fn, { retry }) does this).",
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Releases the gate if `owner` holds it and hands it to the longest waiter. */
  release(owner: object): void {
    if (this.holder !== owner) return;
    this.holder = undefined;
    const next = this.waiters.shift();
    if (next === undefined) return;
    next.done = true;
    clearTimeout(next.timer);
    this.holder = next.owner;
    next.resolve();
  }
}

interface SharedGate {
  readonly gate: WriteGate;
  refs: number;
}

/** One gate per resolved file path, shared by every driver and connection of this process. */
const gates = new Map<string, SharedGate>();

/**
 * The gate of a database file; call the returned `unref` when the driver closes.
 * Paths must already be resolved (realpath) so two spellings of one file share a gate.
 */
export function gateFor(path: string): { gate: WriteGate; unref: () => void } {
  let shared = gates.get(path);
  if (shared === undefined) {
    shared = { gate: new WriteGate(path), refs: 0 };
    gates.set(path, shared);
  }
  shared.refs++;
  const entry = shared;
  let released = false;
  return {
    gate: entry.gate,
    unref: () => {
      if (released) return;
      released = true;
      if (--entry.refs === 0 && gates.get(path) === entry) gates.delete(path);
    },
  };
}

/** @internal number of live shared gates (tests check that closed drivers drop theirs). */
export function liveGateCount(): number {
  return gates.size;
}
