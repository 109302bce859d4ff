import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Pins a command to a core with taskset when the machine has one to spare: the server on core 0 and
 * the load generator on core 1, so neither steals the other's cycles. Without taskset (or on one core)
 * commands run unpinned and the report says so.
 */
export const canPin: boolean = availableParallelism() >= 2 && spawnSync("taskset", ["-c", "0", "true"]).status === 0;

export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

export function pinned(core: number, command: string, args: readonly string[]): { command: string; args: string[] } {
  return canPin ? { command: "taskset", args: ["-c", String(core), command, ...args] } : { command, args: [...args] };
}

const BENCH_DIR = fileURLToPath(new URL("..", import.meta.url));

/**
 * The Node binary servers and micro-benchmarks run on: this process's own, or `--node=PATH` (to
 * measure another Node major; native drivers must be built for its ABI).
 */
export let nodeBinary: string = process.execPath;

/** That Node's version (v24.22.3) and ABI (process.versions.modules). */
export let nodeTarget: { readonly version: string; readonly abi: string } = {
  version: process.version,
  abi: process.versions.modules,
};

/**
 * Where the server and micro-benchmark bundles go. For a Node of this process's ABI: bench/.build/,
 * whose native externals resolve from bench/node_modules. For another ABI: bench/.nodeMAJOR/.build/,
 * so better-sqlite3 resolves first from bench/.nodeMAJOR/node_modules (built for that ABI by
 * bench/scripts/install-node.sh) and every other external (N-API, ABI-stable) from bench/node_modules.
 */
export let bundleDir: string = join(BENCH_DIR, ".build");

/** Uses another Node binary; throws when it does not run. */
export function useNode(path: string): void {
  const out = spawnSync(path, ["-p", "process.version + ' ' + process.versions.modules"], { encoding: "utf8" });
  const [version, abi] = (out.stdout ?? "").trim().split(" ");
  if (out.status !== 0 || version === undefined || abi === undefined) {
    throw new Error(
      `bench: --node=${path} does not run (${out.error?.message ?? (out.stderr || `exit ${String(out.status)}`).trim()})`,
    );
  }
  // Servers start with bench/ as their working directory: a relative path must not change meaning.
  nodeBinary = path.includes("/") ? resolve(path) : path;
  nodeTarget = { version, abi };
  if (abi !== process.versions.modules)
    bundleDir = join(BENCH_DIR, `.node${version.replace(/^v(\d+).*$/, "$1")}`, ".build");
}

/**
 * Loads better-sqlite3 on the chosen Node, resolved from where its bundles will be, and opens an
 * in-memory database: undefined when that works, otherwise what failed and the command that fixes it.
 */
export function nativeProblem(): string | undefined {
  const probe =
    'const D = require("node:module").createRequire(process.argv[1])("better-sqlite3"); new D(":memory:").close();';
  const out = spawnSync(nodeBinary, ["-e", probe, join(bundleDir, "server.mjs")], { encoding: "utf8" });
  if (out.status === 0) return undefined;
  // The error's message, which may span lines (an ABI mismatch names both NODE_MODULE_VERSIONs), without its stack.
  const text = out.error?.message ?? out.stderr;
  const why =
    /(?:^|\n)(\w*Error\b[^]*?)(?=\n\s+at |\n\n|$)/.exec(text)?.[1]?.replace(/\s+/g, " ") ??
    `exit ${String(out.status)}`;
  return [
    `bench: better-sqlite3 does not load on Node ${nodeTarget.version} (ABI ${nodeTarget.abi}) from ${bundleDir}:`,
    `  ${why}`,
    // The script refuses the few versions better-sqlite3 cannot run on, saying which to use instead.
    `Build it for that Node with: bash bench/scripts/install-node.sh ${nodeTarget.version.slice(1)}`,
  ].join("\n");
}
