import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLoad } from "./load.ts";
import { serverBundle, startServer } from "./servers.ts";
import type { DbTarget, Framework, ProfileKind, Route, Variant } from "./server/config.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one place in a profile, as a share of all samples. */
export interface Hotspot {
  readonly where: string;
  readonly share: number;
}

export interface ProfileSummary {
  readonly label: string;
  /** Self time grouped by where the code lives (sqlscope core, a driver, the framework, node internals). */
  readonly byArea: Hotspot[];
  /** The functions of sqlscope's own packages with the most self time. */
  readonly sqlscopeTop: Hotspot[];
  readonly top: Hotspot[];
  /** Requests served while the profiler ran (0 when unknown). */
  readonly requests: number;
  /** Busy CPU (every sample but idle) per request, microseconds; NaN when requests is 0. */
  readonly busyUsPerRequest: number;
  /** Self time of sqlscope's own packages per request, microseconds. */
  readonly sqlscopeUsPerRequest: number;
}

/**
 * Where each module of the esbuild bundle starts: esbuild writes a `// path/to/module.ts` line before
 * every module's code when it does not minify, which is enough to map a profile line back to its file.
 */
export function bundleModules(bundleText: string): (line: number) => string {
  const starts: { line: number; path: string }[] = [];
  bundleText.split("\n").forEach((text, index) => {
    const m = /^\/\/ (\S+\.(?:ts|js|mjs|cjs|json))$/.exec(text);
    if (m !== null) starts.push({ line: index, path: m[1] ?? "" });
  });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = "";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const entry = starts[mid] as { line: number; path: string };
      if (entry.line <= line) {
        found = entry.path;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

function area(url: string, name: string): string {
  const m = /(?:^|\/)packages\/([a-z-]+)\/src\//.exec(url);
  if (m !== null) return `@sqlscope/${m[1] ?? "?"}`;
  if (/(?:^|\/)bench\/src\/|^src\/server\//.test(url)) return "bench harness";
  const dep = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep !== null) return dep[1] ?? "dependency";
  if (url.startsWith("node:")) return "node internals (js)";
  if (url === "") return name === "(garbage collector)" ? "GC" : name.startsWith("(") ? name : "native/V8";
  return "other";
}

/** Reads a V8 .cpuprofile and groups self time by area and by function. */
export function summarize(
  label: string,
  profile: CpuProfile,
  moduleAt: (line: number) => string = () => "",
  requests = 0,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  // Microseconds (V8's timeDeltas) of every sample but idle: what the process spent on the load.
  let busyTime = 0;
  for (const [id, time] of self) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, lineNumber } = node.callFrame;
    // Frames of the bundle name the bundle; the module comment before the line names the source file.
    const url = /\/\.build\/[a-z]+\.mjs$/.test(node.callFrame.url) ? moduleAt(lineNumber) : node.callFrame.url;
    if (functionName === "(idle)") continue;
    busyTime += time;
    if (functionName === "(program)") continue;
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + time);
    const file = url.replace(/^.*?\/?(packages|node_modules|bench)\//, "$1/");
    const key = `${a}: ${functionName || "(anonymous)"} ${file}`;
    fns.set(key, (fns.get(key) ?? 0) + time);
  }
  const busy = [...areas.values()].reduce((a, b) => a + b, 0) || total || 1;
  const rank = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([where, t]) => ({ where, share: t / busy }));
  const top = rank(fns);
  const byArea = rank(areas);
  const busyUsPerRequest = requests > 0 ? busyTime / requests : Number.NaN;
  const ownShare = byArea.filter((a) => a.where.startsWith("@sqlscope/")).reduce((sum, a) => sum + a.share, 0);
  return {
    label,
    byArea,
    sqlscopeTop: top.filter((h) => h.where.startsWith("@sqlscope/")).slice(0, 12),
    top: top.slice(0, 15),
    requests,
    busyUsPerRequest,
    sqlscopeUsPerRequest: requests > 0 ? (ownShare * busy) / requests : Number.NaN,
  };
}

/** What a profiled run gives back: the profile's JSON, the requests served meanwhile, the bundle's module map. */
interface LoadedProfile {
  readonly json: unknown;
  readonly requests: number;
  readonly moduleAt: (line: number) => string;
}

/**
 * Profiles one server while wrk loads one route: a warm-up first, then V8's CPU profiler or its heap
 * sampler (through the inspector, so start-up and module loading stay out of the picture) for `seconds`.
 */
async function loadedProfile(
  kind: ProfileKind,
  config: { framework: Framework; variant: Variant; db: DbTarget; route: Route; seconds: number },
  options: { connections: number; rows: number; poolMax: number },
): Promise<LoadedProfile> {
  const { framework, variant, db, route, seconds } = config;
  const dir = mkdtempSync(join(tmpdir(), "sqlscope-prof-"));
  try {
    const server = await startServer({ framework, variant, db, poolMax: options.poolMax, rows: options.rows });
    let requests = 0;
    const file = join(dir, `server.${kind}profile`);
    try {
      const load = { port: server.port, route, connections: options.connections, rows: options.rows };
      await runLoad({ ...load, seconds: 2 });
      await server.profileStart(kind);
      requests = (await runLoad({ ...load, seconds })).requests;
      await server.profileStop(file, kind);
    } finally {
      await server.stop();
    }
    const json = JSON.parse(readFileSync(file, "utf8")) as unknown;
    return { json, requests, moduleAt: bundleModules(readFileSync(await serverBundle(), "utf8")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The CPU profile of one server while wrk loads one route (see loadedProfile). */
export async function profileServer(
  framework: Framework,
  variant: Variant,
  db: DbTarget,
  route: Route,
  seconds: number,
  options: { connections: number; rows: number; poolMax: number },
): Promise<ProfileSummary> {
  const run = await loadedProfile("cpu", { framework, variant, db, route, seconds }, options);
  return summarize(`${framework}/${db.kind}/${route}/${variant}`, run.json as CpuProfile, run.moduleAt, run.requests);
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Bytes a request allocates, by area and by function: one heap sampling profile of a loaded server. */
export interface AllocationSummary {
  readonly label: string;
  readonly requests: number;
  readonly bytesPerRequest: number;
  readonly byArea: { readonly where: string; readonly bytes: number }[];
  readonly top: { readonly where: string; readonly bytes: number }[];
}

/** Reads a .heapprofile (sampled allocations, collected ones included) into bytes per request. */
export function summarizeHeap(
  label: string,
  head: HeapNode,
  moduleAt: (line: number) => string,
  requests: number,
): AllocationSummary {
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  const stack = [head];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    stack.push(...node.children);
    if (node.selfSize === 0) continue;
    const { functionName, lineNumber } = node.callFrame;
    const url = /\/\.build\/[a-z]+\.mjs$/.test(node.callFrame.url) ? moduleAt(lineNumber) : node.callFrame.url;
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + node.selfSize);
    const key = `${a}: ${functionName || "(anonymous)"} ${url.replace(/^.*?\/?(packages|node_modules|bench)\//, "$1/")}`;
    fns.set(key, (fns.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
  }
  const per = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([where, bytes]) => ({ where, bytes: bytes / requests }));
  return { label, requests, bytesPerRequest: total / requests, byArea: per(areas), top: per(fns).slice(0, 15) };
}

/** Samples the allocations of one server while wrk loads one route, after a warm-up (see loadedProfile). */
export async function allocationProfile(
  framework: Framework,
  variant: Variant,
  db: DbTarget,
  route: Route,
  seconds: number,
  options: { connections: number; rows: number; poolMax: number },
): Promise<AllocationSummary> {
  const run = await loadedProfile("heap", { framework, variant, db, route, seconds }, options);
  const { head } = run.json as { head: HeapNode };
  return summarizeHeap(`${framework}/${db.kind}/${route}/${variant}`, head, run.moduleAt, Math.max(run.requests, 1));
}
