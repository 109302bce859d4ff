// The scale figure: throughput and p99 latency against load (1, 8, 32, 128 wrk connections) and pool
// size on PostgreSQL, for sqlscope (L), the hand-written code (B1a) and the peer (P), so users see how
// the cost grows with load rather than at one point. Writes bench/results/NAME.{md,svg,json}.
//
//   pnpm --filter sqlscope-bench scale [--framework=express] [--pools=5,10,20] [--connections=1,8,32,128]
//                                      [--reps=3] [--seconds=2] [--node=/path/to/node] [--out=scale]
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { nodeBinary, useNode } from "./cores.ts";
import { prepareDatabase } from "./databases.ts";
import { checkWrk, runLoad } from "./load.ts";
import { startServer, type RunningBenchServer } from "./servers.ts";
import { FRAMEWORKS, type Framework, type Variant } from "./server/config.ts";
import { scaleChart, type ScalePoint } from "./scale-svg.ts";
import { median } from "./stats.ts";

const RESULTS = fileURLToPath(new URL("../results/", import.meta.url));
const ROWS = 10_000;
const VARIANTS: readonly Variant[] = ["B1a", "L", "P"];

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    framework: { type: "string", default: "express" },
    pools: { type: "string", default: "5,10,20" },
    connections: { type: "string", default: "1,8,32,128" },
    reps: { type: "string", default: "3" },
    seconds: { type: "string", default: "2" },
    node: { type: "string" },
    out: { type: "string", default: "scale" },
  },
});

const numbers = (text: string) => text.split(",").map((s) => Number(s.trim()));
const framework = args.framework as Framework;
if (!FRAMEWORKS.includes(framework)) throw new Error(`scale: unknown framework ${framework}`);
if (!/^[A-Za-z0-9_-]+$/.test(args.out)) throw new Error(`scale: --out takes a plain name, got "${args.out}"`);
if (args.node !== undefined) useNode(args.node);
const pools = numbers(args.pools);
const connections = numbers(args.connections);
const reps = Number(args.reps);
const seconds = Number(args.seconds);
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  checkWrk();
  const started = Date.now();
  const loadBefore = loadavg()[0] ?? 0;
  const db = await prepareDatabase("postgres", join(tmpdir(), `sqlscope-scale-${process.pid}`), ROWS);
  const points: ScalePoint[] = [];
  try {
    const target = await db.target("scale");
    for (const poolMax of pools) {
      const servers = new Map<Variant, RunningBenchServer>();
      try {
        for (const variant of VARIANTS) {
          servers.set(variant, await startServer({ framework, variant, db: target, poolMax, rows: ROWS }));
        }
        for (const server of servers.values())
          await runLoad({ port: server.port, route: "mix", seconds: 1, connections: 32, rows: ROWS });
        for (const c of connections) {
          const samples = new Map<Variant, { rps: number[]; p99: number[] }>();
          for (let rep = 0; rep < reps; rep++) {
            // The variants take turns, the order rotating each repetition, so drift falls on all of them.
            for (let k = 0; k < VARIANTS.length; k++) {
              const variant = VARIANTS[(k + rep) % VARIANTS.length] as Variant;
              const server = servers.get(variant) as RunningBenchServer;
              const result = await runLoad({ port: server.port, route: "read", seconds, connections: c, rows: ROWS });
              if (result.statusErrors + result.otherErrors > 0) {
                throw new Error(`scale: ${variant} had ${result.statusErrors + result.otherErrors} failed requests`);
              }
              const s = samples.get(variant) ?? { rps: [], p99: [] };
              s.rps.push(result.requests / result.seconds);
              s.p99.push(result.p99Us / 1000);
              samples.set(variant, s);
            }
          }
          for (const [variant, s] of samples) {
            points.push({ variant, poolMax, connections: c, rps: median(s.rps), p99Ms: median(s.p99) });
          }
          const line = VARIANTS.map((v) => {
            const p = points.find((x) => x.variant === v && x.poolMax === poolMax && x.connections === c);
            return `${v} ${Math.round(p?.rps ?? 0)} req/s p99 ${(p?.p99Ms ?? 0).toFixed(2)} ms`;
          }).join(" | ");
          log(`pool ${poolMax}, ${c} connections: ${line}`);
        }
      } finally {
        for (const server of servers.values()) await server.stop();
      }
    }
  } finally {
    await db.stop();
  }
  const env = {
    node: spawnSync(nodeBinary, ["--version"], { encoding: "utf8" }).stdout.trim(),
    framework,
    reps,
    seconds,
    loadBefore,
    loadAfter: loadavg()[0] ?? 0,
    tookSeconds: Math.round((Date.now() - started) / 1000),
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${args.out}.json`), JSON.stringify({ env, points }, null, 2));
  writeFileSync(join(RESULTS, `${args.out}.md`), markdown(env, points));
  writeFileSync(
    join(RESULTS, `${args.out}.svg`),
    scaleChart(points, `${framework} + PostgreSQL, read route, Node ${env.node}: throughput and p99 against load`),
  );
  log(`wrote bench/results/${args.out}.md, .svg and .json in ${env.tookSeconds} s`);
}

function markdown(env: Record<string, unknown>, points: readonly ScalePoint[]): string {
  const lines = [
    `# Scale: ${String(env.framework)} + PostgreSQL, read route`,
    "",
    `Node ${String(env.node)}; ${String(env.reps)} interleaved repetitions of ${String(env.seconds)} s per cell, medians; ` +
      `load average ${Number(env.loadBefore).toFixed(1)} before, ${Number(env.loadAfter).toFixed(1)} after; ${String(env.tookSeconds)} s.`,
    "",
    "| pool | connections | B1a req/s | L req/s | P req/s | L/B1a | L/P | p99 B1a ms | p99 L ms | p99 P ms |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const poolMax of [...new Set(points.map((p) => p.poolMax))]) {
    for (const c of [...new Set(points.map((p) => p.connections))]) {
      const at = (v: Variant) => points.find((p) => p.variant === v && p.poolMax === poolMax && p.connections === c);
      const [b, l, p] = [at("B1a"), at("L"), at("P")];
      if (b === undefined || l === undefined || p === undefined) continue;
      lines.push(
        `| ${poolMax} | ${c} | ${Math.round(b.rps)} | ${Math.round(l.rps)} | ${Math.round(p.rps)} | ${(l.rps / b.rps).toFixed(2)} | ` +
          `${(l.rps / p.rps).toFixed(2)} | ${b.p99Ms.toFixed(2)} | ${l.p99Ms.toFixed(2)} | ${p.p99Ms.toFixed(2)} |`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

await main();
