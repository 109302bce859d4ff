/**
 * Lets a test meet a route half-way: the route calls `arrive(tag, value)` and waits in `wait(tag)`;
 * the test takes the value with `reached(tag)`, does its damage (kill the backend, cut the network),
 * then lets the route go with `release(tag)`.
 *
 * @example
 * const id = await rv.reached("t1");   // the route holds its connection now
 * await backend.kill(id);
 * rv.release("t1");
 */
export class Rendezvous {
  private readonly arrivals = new Map<string, Deferred<number>>();
  private readonly releases = new Map<string, Deferred<void>>();

  arrive(tag: string, value = 0): void {
    slot(this.arrivals, tag).resolve(value);
  }

  reached(tag: string): Promise<number> {
    return slot(this.arrivals, tag).promise;
  }

  wait(tag: string): Promise<void> {
    return slot(this.releases, tag).promise;
  }

  release(tag: string): void {
    slot(this.releases, tag).resolve();
  }

  /** Lets every waiting route go (after a failing test, so servers can close). */
  releaseAll(): void {
    for (const d of this.releases.values()) d.resolve();
  }
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function slot<T>(map: Map<string, Deferred<T>>, tag: string): Deferred<T> {
  let d = map.get(tag);
  if (d === undefined) {
    let resolve!: (value: T) => void;
    const promise = new Promise<T>((r) => {
      resolve = r;
    });
    d = { promise, resolve };
    map.set(tag, d);
  }
  return d;
}
