// Bytes allocated per request, by area: V8's sampling heap profiler (collected objects included) on
// the B1a and L servers of each framework under load, SQLite's read route by default. Where L's extra
// garbage comes from, which the CPU profile shows only as GC time.
//
//   pnpm --filter sqlscope-bench alloc [--frameworks=express,node-http] [--route=read] [--seconds=5] [--node=PATH] [--out=NAME]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { nodeTarget, useNode } from "./cores.ts";
import { prepareDatabase } from "./databases.ts";
import { allocationProfile, type AllocationSummary } from "./profile.ts";
import { FRAMEWORKS, ROUTES, type Framework, type Route } from "./server/config.ts";

const { values: args } = parseArgs({
  options: {
    frameworks: { type: "string", default: FRAMEWORKS.join(",") },
    route: { type: "string", default: "read" },
    seconds: { type: "string", default: "5" },
    node: { type: "string" },
    out: { type: "string" },
  },
});
if (args.node !== undefined) useNode(args.node);
const frameworks = (args.frameworks ?? "").split(",") as Framework[];
for (const f of frameworks) if (!FRAMEWORKS.includes(f)) throw new Error(`alloc: unknown framework "${f}"`);
const route = args.route as Route;
if (!ROUTES.includes(route)) throw new Error(`alloc: unknown route "${route}"`);

const kib = (bytes: number) => (bytes / 1024).toFixed(2);
const dir = mkdtempSync(join(tmpdir(), "sqlscope-alloc-db-"));
const db = await prepareDatabase("sqlite", dir, 10_000);
const lines = [
  `# Allocations per request: Node ${nodeTarget.version}, SQLite, the ${route} route`,
  "",
  "V8's sampling heap profiler (every 4 KiB, collected objects included) on each server for " +
    `${args.seconds} s under wrk (50 connections) after a 2 s warm-up. KiB per request.`,
  "",
];
try {
  for (const framework of frameworks) {
    const runs: AllocationSummary[] = [];
    for (const variant of ["B1a", "L"] as const) {
      const target = await db.target(`alloc-${framework}-${variant}`);
      const options = { connections: 50, rows: 10_000, poolMax: 10 };
      runs.push(await allocationProfile(framework, variant, target, route, Number(args.seconds), options));
    }
    lines.push(`## ${framework}`, "", "| area | B1a | L |", "| --- | --- | --- |");
    const [b1a, l] = runs as [AllocationSummary, AllocationSummary];
    lines.push(`| **all** | ${kib(b1a.bytesPerRequest)} | ${kib(l.bytesPerRequest)} |`);
    const areas = [...new Set([...l.byArea, ...b1a.byArea].map((a) => a.where))].slice(0, 12);
    const of = (s: AllocationSummary, where: string) => s.byArea.find((a) => a.where === where)?.bytes ?? 0;
    for (const where of areas) lines.push(`| ${where} | ${kib(of(b1a, where))} | ${kib(of(l, where))} |`);
    lines.push("", "L's largest allocation sites:", "", "| function | KiB/req |", "| --- | --- |");
    for (const t of l.top.slice(0, 12)) lines.push(`| ${t.where.replace(/\|/g, "/")} | ${kib(t.bytes)} |`);
    lines.push("");
    console.log(lines.slice(-30).join("\n"));
  }
} finally {
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}
if (args.out !== undefined) {
  const file = fileURLToPath(new URL(`../results/${args.out}.md`, import.meta.url));
  writeFileSync(file, lines.join("\n"));
  console.log(`wrote ${file}`);
}
