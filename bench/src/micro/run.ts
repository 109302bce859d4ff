import { spawn } from "node:child_process";
import { nodeBinary, pinned, SERVER_CORE } from "../cores.ts";
import { microBundle } from "../servers.ts";
import { median } from "../stats.ts";
import { MICRO_VARIANTS, type MicroVariant } from "./variants.ts";

export interface MicroResult {
  readonly variant: MicroVariant;
  /** Median nanoseconds per iteration over every round of every process. */
  readonly ns: number;
  readonly all: number[];
}

function runOne(file: string, variant: MicroVariant, iterations: number, rounds: number): Promise<number[]> {
  const { command, args } = pinned(SERVER_CORE, nodeBinary, [file, variant, String(iterations), String(rounds)]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("MICRO_JSON "));
      if (code !== 0 || line === undefined)
        reject(new Error(`micro-benchmark ${variant} failed (exit ${String(code)})`));
      else resolve((JSON.parse(line.slice(11)) as { perIterationNs: number[] }).perIterationNs);
    });
  });
}

/** Runs each micro variant in its own process, `processes` times, interleaved A B C D A B C D. */
export async function runMicro(iterations: number, rounds: number, processes: number): Promise<MicroResult[]> {
  const file = await microBundle();
  const all = new Map<MicroVariant, number[]>(MICRO_VARIANTS.map((v) => [v, []]));
  for (let p = 0; p < processes; p++) {
    for (const variant of MICRO_VARIANTS) all.get(variant)?.push(...(await runOne(file, variant, iterations, rounds)));
  }
  return MICRO_VARIANTS.map((variant) => {
    const values = all.get(variant) ?? [];
    return { variant, ns: median(values), all: values };
  });
}
