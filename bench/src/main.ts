// `pnpm bench` (full) and `pnpm bench --quick`: measures sqlscope against hand-written per-request
// transactions (B1, B1a) and a peer library (P) over real HTTP, and writes bench/results/latest.{md,svg,json}.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { canPin, nativeProblem, nodeBinary, useNode } from "./cores.ts";
import { prepareDatabase, type PreparedDatabase } from "./databases.ts";
import { checkWrk } from "./load.ts";
import { runGroup, type GroupResult, type Log, type RunPlan } from "./measure.ts";
import { runMemory, type MemoryResult } from "./memory.ts";
import { runMicro, type MicroResult } from "./micro/run.ts";
import { profileServer, type ProfileSummary } from "./profile.ts";
import { allCells, markdown, type RunReport } from "./report.ts";
import {
  DRIVERS,
  FRAMEWORKS,
  ROUTES,
  VARIANTS,
  type DriverName,
  type Framework,
  type Route,
  type Variant,
} from "./server/config.ts";
import { chart } from "./svg.ts";

const RESULTS = fileURLToPath(new URL("../results/", import.meta.url));

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    quick: { type: "boolean", default: false },
    frameworks: { type: "string" },
    drivers: { type: "string" },
    routes: { type: "string" },
    variants: { type: "string" },
    reps: { type: "string" },
    seconds: { type: "string" },
    "l-pool": { type: "string" },
    node: { type: "string" },
    "no-micro": { type: "boolean", default: false },
    "no-memory": { type: "boolean", default: false },
    "no-profile": { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    "render-only": { type: "boolean", default: false },
    out: { type: "string", default: "latest" },
    help: { type: "boolean", default: false },
  },
});

if (args.help) {
  console.log(`pnpm bench [--quick] [--frameworks=node-http,express,...] [--drivers=sqlite,postgres,...] [--routes=read,update,nodb,error] [--variants=B1a,L,P,M]
           [--reps=N] [--seconds=S] [--no-micro] [--no-memory] [--no-profile] [--profile]
           [--l-pool='{"leakDetectionMs":0}']  (extra pool options for L, to measure a setting)
           [--node=/path/to/node]  (run servers and micro-benchmarks on another Node binary;
                                   bash bench/scripts/install-node.sh [VERSION] gets Node 24.22.3 or VERSION and its better-sqlite3)
           [--render-only]  (rewrite latest.md and latest.svg from latest.json, measuring nothing)
           [--out=NAME]  (write bench/results/NAME.* instead of latest.*, e.g. --out=node24)
Needs wrk (apt-get install -y wrk). Writes bench/results/latest.md, latest.svg and latest.json.`);
  process.exit(0);
}

function list<T extends string>(text: string | undefined, all: readonly T[], fallback: readonly T[]): T[] {
  if (text === undefined) return [...fallback];
  const picked = text.split(",").map((s) => s.trim()) as T[];
  for (const p of picked)
    if (!all.includes(p)) throw new Error(`bench: unknown name "${p}"; use one of ${all.join(", ")}`);
  return picked;
}

if (args.node !== undefined) {
  try {
    useNode(args.node);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
if (!/^[A-Za-z0-9_-]+$/.test(args.out))
  throw new Error(`bench: --out takes a plain name (letters, digits, - and _), got "${args.out}"`);
const OUT = args.out;
const quick = args.quick;
const frameworks = list<Framework>(args.frameworks, FRAMEWORKS, quick ? ["node-http", "express"] : FRAMEWORKS);
const drivers = list<DriverName>(args.drivers, DRIVERS, quick ? ["sqlite"] : DRIVERS);
const variantFilter = list<Variant>(args.variants, VARIANTS, VARIANTS);
const routeFilter = list<Route>(args.routes, ROUTES, ROUTES);
const plan: RunPlan = {
  reps: Number(args.reps ?? (quick ? 2 : 5)),
  measureSeconds: Number(args.seconds ?? (quick ? 1 : 2)),
  warmSeconds: quick ? 1 : 2,
  connections: 32,
  rows: 10_000,
  poolMax: 10,
  ...(args["l-pool"] === undefined ? {} : { lPool: JSON.parse(args["l-pool"]) as Record<string, number> }),
};
const memoryRequests = quick ? 20_000 : 1_000_000;
const log: Log = (line) => process.stderr.write(`${line}\n`);

function nodeVersion(): string {
  return spawnSync(nodeBinary, ["--version"], { encoding: "utf8" }).stdout.trim() || process.version;
}

function wrkVersion(): string {
  const out = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  return (`${out.stdout}${out.stderr}`.split("\n")[0] ?? "wrk").replace(/ \[.*$/, "").trim();
}

function write(report: RunReport): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${OUT}.md`), markdown(report, OUT));
  writeFileSync(
    join(RESULTS, `${OUT}.svg`),
    chart(allCells(report.groups), `sqlscope ${report.mode} benchmark, Node ${report.env.node}`),
  );
}

async function main(): Promise<void> {
  if (args["render-only"]) {
    const saved = JSON.parse(readFileSync(join(RESULTS, `${OUT}.json`), "utf8")) as RunReport & { startedAt: string };
    write({ ...saved, startedAt: new Date(saved.startedAt) });
    log(`rewrote bench/results/${OUT}.md and ${OUT}.svg from ${OUT}.json`);
    return;
  }
  // Another Node needs better-sqlite3 built for its ABI: say so now, not once per failed server.
  const problem = args.node !== undefined && drivers.includes("sqlite") ? nativeProblem() : undefined;
  if (problem !== undefined) {
    console.error(problem);
    process.exitCode = 1;
    return;
  }
  checkWrk();
  const started = Date.now();
  const loadBefore = loadavg();
  const work = join(tmpdir(), `sqlscope-bench-${process.pid}`);
  const groups: GroupResult[] = [];
  const notMeasured: string[] = [];
  const memory: MemoryResult[] = [];
  const profiles: ProfileSummary[] = [];
  let micro: MicroResult[] | undefined;
  try {
    for (const driver of drivers) {
      let db: PreparedDatabase;
      try {
        log(`preparing ${driver}`);
        db = await prepareDatabase(driver, join(work, driver), plan.rows);
      } catch (error) {
        notMeasured.push(
          `${driver}: the database could not be prepared (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`,
        );
        log(`  ${driver}: skipped`);
        continue;
      }
      try {
        for (const framework of frameworks) {
          // The no-db route does not depend on the driver: measured once per framework, on the first driver.
          const routes: Route[] = routeFilter.filter((r) => r !== "nodb" || driver === drivers[0]);
          // Kysely has no DuckDB dialect: P, LK and K are not measured there; M runs on PostgreSQL and MySQL only.
          const variants = variantFilter.filter(
            (v) =>
              (driver !== "duckdb" || !["P", "LK", "K"].includes(v)) &&
              (v !== "M" || driver === "postgres" || driver === "mysql"),
          );
          log(`${framework} x ${driver}`);
          groups.push(await runGroup(framework, driver, variants, routes, db, plan, log));
        }
        if (driver === "sqlite" && !args["no-memory"] && frameworks.includes("express")) {
          memory.push(await runMemory("express", "L", db, memoryRequests, quick ? 1 : 5, plan, log));
        }
        // The CPU profile belongs to the full run; a quick run profiles only when asked (--profile).
        if (!args["no-profile"] && (!quick || args.profile)) {
          const framework = frameworks.includes("express") ? "express" : frameworks[0];
          if (framework !== undefined && (driver === "sqlite" || !quick)) {
            // B1a too: its busy CPU per request, from a profile of the same length, is what L's is set against.
            for (const variant of ["B1a", "L"] as const) {
              log(`profiling ${framework}/${driver}/read/${variant}`);
              try {
                profiles.push(
                  await profileServer(
                    framework,
                    variant,
                    await db.target(`profile-${framework}-${variant}`),
                    "read",
                    quick ? 2 : 5,
                    plan,
                  ),
                );
              } catch (error) {
                log(`  profile failed: ${error instanceof Error ? error.message : String(error)}`);
              }
            }
          }
        }
      } finally {
        await db.stop();
      }
    }
    if (!args["no-micro"]) {
      log("micro-benchmark");
      micro = await runMicro(quick ? 10_000 : 200_000, quick ? 3 : 5, quick ? 1 : 3);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const measuredVariants = new Set(groups.flatMap((g) => g.cells.map((c) => c.variant)));
  if (drivers.includes("duckdb")) notMeasured.push("P, LK and K on duckdb: Kysely ships no DuckDB dialect.");
  if (!measuredVariants.has("L")) notMeasured.push("L: no sqlscope server started (see the table for why).");
  const report: RunReport = {
    mode: quick ? ("quick" as const) : ("full" as const),
    command: `pnpm bench${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(" ")}` : ""}`,
    startedAt: new Date(started),
    seconds: (Date.now() - started) / 1000,
    env: {
      node: nodeVersion(),
      cpu: cpus()[0]?.model.trim() ?? "unknown CPU",
      cores: cpus().length,
      pinned: canPin,
      loadBefore,
      loadAfter: loadavg(),
      wrk: wrkVersion(),
    },
    plan,
    coverage: quick
      ? `quick subset: ${frameworks.join(", ")} on ${drivers.join(", ")}; ${plan.reps} repetitions of ${plan.measureSeconds} s (the full run does 5 of 2 s on every framework and driver, and adds a CPU profile); memory over ${memoryRequests.toLocaleString("en-US")} requests (full: 1,000,000).`
      : `${frameworks.join(", ")} on ${drivers.join(", ")}.`,
    groups,
    notMeasured,
    micro,
    memory,
    profiles,
  };
  write(report);
  writeFileSync(join(RESULTS, `${OUT}.json`), `${JSON.stringify(report, null, 1)}\n`);
  log(`wrote bench/results/${OUT}.md, ${OUT}.svg, ${OUT}.json in ${report.seconds.toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
