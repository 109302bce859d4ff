import { send, statusOf, type Outcome } from "./client.ts";
import type { Ledger } from "./ledger.ts";

/** One request of a load run: the route (with its query string, no tag) and the rows it writes. */
export interface LoadRequest {
  readonly path: string;
  readonly rows: number;
}

export interface LoadOptions {
  readonly total: number;
  readonly concurrency: number;
  /** Where request `i` goes (read when it is sent, so a test can stop sending to a dead process). */
  target(i: number): string;
  /** What request `i` is. */
  request(i: number): LoadRequest;
  readonly ledger: Ledger;
  /** Tags are `${tagPrefix}-${i}`. */
  readonly tagPrefix: string;
  /** A client deadline per request (a failure when it passes); none by default. */
  readonly abortAfterMs?: number;
  /** Called after each response (or failure) with how many are done. */
  onDone?(done: number): void;
}

/** What the clients saw: responses by status, and failures (reset, refused, truncated). */
export interface LoadResult {
  readonly statuses: Readonly<Record<string, number>>;
  readonly outcomes: readonly Outcome[];
  readonly ms: number;
}

/**
 * Sends `total` requests, `concurrency` at a time, each recorded in the ledger under its own tag.
 * Bounded in count; every request ends (send() never rejects).
 *
 * @example
 * const result = await runLoad({ total: 400, concurrency: 16, target: () => app.url, request: () => ({ path: "/write?n=2", rows: 2 }), ledger, tagPrefix: "mp" });
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const started = performance.now();
  const outcomes: Outcome[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  let done = 0;
  const lane = async () => {
    for (let i = next++; i < options.total; i = next++) {
      const { path, rows } = options.request(i);
      const tag = `${options.tagPrefix}-${i}`;
      const sep = path.includes("?") ? "&" : "?";
      const url = `${options.target(i)}${path}${sep}tag=${tag}`;
      const outcome = await send(url, options.abortAfterMs === undefined ? {} : { abortAfterMs: options.abortAfterMs });
      options.ledger.record(tag, rows, outcome);
      outcomes.push(outcome);
      const key = String(statusOf(outcome));
      statuses[key] = (statuses[key] ?? 0) + 1;
      options.onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  return { statuses, outcomes, ms: Math.round(performance.now() - started) };
}
