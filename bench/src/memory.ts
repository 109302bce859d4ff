import { runLoad } from "./load.ts";
import type { PreparedDatabase } from "./databases.ts";
import type { Log } from "./measure.ts";
import { startServer } from "./servers.ts";
import type { Framework, Variant } from "./server/config.ts";
import { slope } from "./stats.ts";

export interface MemorySample {
  readonly requests: number;
  readonly rss: number;
  readonly heapUsed: number;
}

export interface MemoryResult {
  readonly label: string;
  readonly requests: number;
  readonly samples: MemorySample[];
  /** Least-squares growth over the samples after the first quarter (warm-up), bytes per 100k requests. */
  readonly rssSlope: number;
  readonly heapSlope: number;
}

/**
 * Serves `total` requests (every route in turn) in chunks, sampling RSS and heap after a forced GC
 * between chunks. A leak of one small object per request shows up as a steady heap slope.
 */
export async function runMemory(
  framework: Framework,
  variant: Variant,
  db: PreparedDatabase,
  total: number,
  chunkSeconds: number,
  options: { connections: number; rows: number; poolMax: number },
  log: Log,
): Promise<MemoryResult> {
  const target = await db.target(`memory-${framework}-${variant}`);
  const server = await startServer({ framework, variant, db: target, poolMax: options.poolMax, rows: options.rows });
  const samples: MemorySample[] = [];
  try {
    let served = 0;
    const first = await server.stats(true);
    samples.push({ requests: 0, rss: first.rss, heapUsed: first.heapUsed });
    while (served < total) {
      const load = await runLoad({
        port: server.port,
        route: "mix",
        seconds: chunkSeconds,
        connections: options.connections,
        rows: options.rows,
      });
      served += load.requests;
      const stats = await server.stats(true);
      samples.push({ requests: served, rss: stats.rss, heapUsed: stats.heapUsed });
      log(
        `  memory ${framework}/${target.kind}/${variant}: ${served} requests, rss ${(stats.rss / 2 ** 20).toFixed(1)} MiB, heap ${(stats.heapUsed / 2 ** 20).toFixed(1)} MiB`,
      );
    }
  } finally {
    await server.stop();
  }
  const steady = samples.slice(Math.floor(samples.length / 4));
  const xs = steady.map((s) => s.requests);
  return {
    label: `${framework}/${target.kind}/${variant}`,
    requests: samples.at(-1)?.requests ?? 0,
    samples,
    rssSlope:
      slope(
        xs,
        steady.map((s) => s.rss),
      ) * 100_000,
    heapSlope:
      slope(
        xs,
        steady.map((s) => s.heapUsed),
      ) * 100_000,
  };
}
