import { runLoad, type LoadResult } from "./load.ts";
import type { PreparedDatabase } from "./databases.ts";
import { startServer, type RunningBenchServer } from "./servers.ts";
import type { DriverName, Framework, Route, Variant } from "./server/config.ts";

/** How long and how often each cell is measured. */
export interface RunPlan {
  readonly reps: number;
  readonly measureSeconds: number;
  readonly warmSeconds: number;
  readonly connections: number;
  readonly rows: number;
  readonly poolMax: number;
  readonly lPool?: Readonly<Record<string, number>>;
}

/** One measured run of one cell. */
export interface Sample {
  readonly rps: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** Server CPU time (user + system) per request served, nanoseconds. */
  readonly cpuNsPerRequest: number;
  readonly requests: number;
  readonly statusErrors: number;
  readonly otherErrors: number;
}

export interface CellResult {
  readonly framework: Framework;
  readonly driver: DriverName;
  readonly route: Route;
  readonly variant: Variant;
  readonly samples: Sample[];
}

export interface GroupResult {
  readonly framework: Framework;
  readonly driver: DriverName;
  readonly cells: CellResult[];
  /** Variants that could not be started, with the reason. */
  readonly skipped: { variant: Variant; reason: string }[];
}

export type Log = (line: string) => void;

async function measureOnce(server: RunningBenchServer, route: Route, plan: RunPlan): Promise<Sample> {
  const before = await server.stats();
  const load: LoadResult = await runLoad({
    port: server.port,
    route,
    seconds: plan.measureSeconds,
    connections: plan.connections,
    rows: plan.rows,
  });
  const after = await server.stats();
  const none = load.requests === 0;
  return {
    rps: load.requests / load.seconds,
    // A run that served nothing has no latency or cost per request; NaN shows as "-" in the report.
    p50Us: none ? Number.NaN : load.p50Us,
    p99Us: none ? Number.NaN : load.p99Us,
    cpuNsPerRequest: none ? Number.NaN : ((after.cpuMicros - before.cpuMicros) * 1000) / load.requests,
    requests: load.requests,
    statusErrors: load.statusErrors,
    otherErrors: load.otherErrors,
  };
}

/**
 * Measures every route of one framework x driver group. Every variant's server runs at once (idle
 * while another is loaded); each gets a warm-up over all routes, then the variants take turns per
 * repetition, the order rotating each time (A B C D, B C D A, ...), so drift and thermal effects
 * spread over all variants instead of landing on one.
 */
export async function runGroup(
  framework: Framework,
  driver: DriverName,
  variants: readonly Variant[],
  routes: readonly Route[],
  db: PreparedDatabase,
  plan: RunPlan,
  log: Log,
): Promise<GroupResult> {
  const servers: { variant: Variant; server: RunningBenchServer }[] = [];
  const skipped: { variant: Variant; reason: string }[] = [];
  try {
    // Servers start side by side (start-up is mostly waiting); they are measured one at a time.
    const started = await Promise.allSettled(
      variants.map(async (variant) => {
        const target = await db.target(`${framework}-${variant}`);
        const extra = plan.lPool === undefined ? {} : { lPool: plan.lPool };
        return startServer({ framework, variant, db: target, poolMax: plan.poolMax, rows: plan.rows, ...extra });
      }),
    );
    started.forEach((outcome, i) => {
      const variant = variants[i] as Variant;
      if (outcome.status === "fulfilled") {
        servers.push({ variant, server: outcome.value });
        return;
      }
      const error: unknown = outcome.reason;
      const reason =
        error instanceof Error
          ? (error.message.split("\n").find((l) => /Error|error/.test(l)) ?? error.message.split("\n")[0] ?? "")
          : String(error);
      skipped.push({ variant, reason: reason.trim().slice(0, 300) });
      log(`  ${framework}/${driver}/${variant}: not measured (${reason.trim().slice(0, 200)})`);
    });
    for (const { variant, server } of servers) {
      log(`  warm-up ${framework}/${driver}/${variant} (${plan.warmSeconds}s, all routes)`);
      await runLoad({
        port: server.port,
        route: "mix",
        seconds: plan.warmSeconds,
        connections: plan.connections,
        rows: plan.rows,
      });
    }
    const cells: CellResult[] = [];
    for (const route of routes) {
      const byVariant = new Map<Variant, Sample[]>();
      for (let rep = 0; rep < plan.reps; rep++) {
        for (let i = 0; i < servers.length; i++) {
          const entry = servers[(i + rep) % servers.length];
          if (entry === undefined) continue;
          const sample = await measureOnce(entry.server, route, plan);
          const list = byVariant.get(entry.variant) ?? [];
          list.push(sample);
          byVariant.set(entry.variant, list);
        }
      }
      for (const { variant } of servers) {
        const samples = byVariant.get(variant) ?? [];
        cells.push({ framework, driver, route, variant, samples });
        const rps = samples.map((s) => Math.round(s.rps)).join(" ");
        log(`  ${framework}/${driver}/${route}/${variant}: ${rps} req/s`);
      }
    }
    return { framework, driver, cells, skipped };
  } finally {
    for (const { server } of servers) await server.stop();
  }
}
