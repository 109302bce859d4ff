import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { LOAD_CORE, pinned } from "./cores.ts";

const SCRIPT = fileURLToPath(new URL("./wrk/routes.lua", import.meta.url));

/** What one wrk run measured. Latencies are in microseconds. */
export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly statusErrors: number;
  readonly otherErrors: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

export interface LoadOptions {
  readonly port: number;
  /** A route name, or "mix" to cycle through every route. */
  readonly route: string;
  readonly seconds: number;
  readonly connections: number;
  readonly rows: number;
}

/** Fails early with the fix when wrk is missing. */
export function checkWrk(): void {
  if (spawnSync("wrk", ["--version"]).error !== undefined) {
    throw new Error(
      "bench: wrk is not installed. Install it (Debian/Ubuntu: apt-get install -y wrk) and run pnpm bench again.",
    );
  }
}

/**
 * One wrk run in its own process, pinned to the load core: one thread, keep-alive, no pipelining
 * (each connection has one request in flight, so per-request costs are not hidden).
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { command, args } = pinned(LOAD_CORE, "wrk", [
    "-t1",
    `-c${options.connections}`,
    `-d${Math.max(1, Math.round(options.seconds))}s`,
    "--timeout",
    "10s",
    "-s",
    SCRIPT,
    `http://127.0.0.1:${options.port}`,
    "--",
    options.route,
    String(options.rows),
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("BENCH_JSON "));
      if (code !== 0 || line === undefined) {
        reject(new Error(`wrk failed (exit ${String(code)}):\n${out}`));
        return;
      }
      const raw = JSON.parse(line.slice("BENCH_JSON ".length)) as Omit<LoadResult, "seconds"> & { durationUs: number };
      resolve({
        requests: raw.requests,
        seconds: raw.durationUs / 1e6,
        statusErrors: raw.statusErrors,
        otherErrors: raw.otherErrors,
        p50Us: raw.p50Us,
        p99Us: raw.p99Us,
        maxUs: raw.maxUs,
      });
    });
  });
}
