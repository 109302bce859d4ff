/** A promise with its resolve function, for a test to meet a route half-way. */
interface Latch {
  readonly promise: Promise<void>;
  open(): void;
}

function latch(): Latch {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * Lets a test pause a route: the route calls `arrive(tag)` once it did its database work and then
 * waits in `parked(tag)`; the test waits with `reached(tag)` and lets it go with `release(tag)`.
 */
export class Probe {
  private readonly arrived = new Map<string, Latch>();
  private readonly released = new Map<string, Latch>();

  private get(map: Map<string, Latch>, tag: string): Latch {
    let l = map.get(tag);
    if (l === undefined) map.set(tag, (l = latch()));
    return l;
  }

  arrive(tag: string): void {
    this.get(this.arrived, tag).open();
  }

  reached(tag: string): Promise<void> {
    return this.get(this.arrived, tag).promise;
  }

  parked(tag: string): Promise<void> {
    return this.get(this.released, tag).promise;
  }

  release(tag: string): void {
    this.get(this.released, tag).open();
  }

  private readonly notes = new Map<string, unknown[]>();

  /** A route records what it saw (an error code after it was released, say). */
  note(tag: string, value: unknown): void {
    const list = this.notes.get(tag);
    if (list === undefined) this.notes.set(tag, [value]);
    else list.push(value);
  }

  /** What the route recorded under `tag`, in order. */
  notesOf(tag: string): readonly unknown[] {
    return this.notes.get(tag) ?? [];
  }

  /** Lets every parked route go (after a failed test, so servers can close). */
  releaseAll(): void {
    for (const l of this.released.values()) l.open();
  }
}
