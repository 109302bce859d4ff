import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

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

/**
 * The Node binary servers and micro-benchmarks run on: this process's own, or `--node=PATH` (to
 * measure another Node major; native drivers must be built for its ABI).
 */
export let nodeBinary: string = process.execPath;

export function useNode(path: string): void {
  nodeBinary = path;
}
