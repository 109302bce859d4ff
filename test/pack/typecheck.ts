// The TypeScript settings users have, each a tsconfig the consumer project type-checks against.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./shell.ts";

export interface TsConfig {
  readonly name: string;
  readonly compilerOptions: Record<string, unknown>;
  readonly files: string[];
}

const common = { noEmit: true, skipLibCheck: false, target: "ES2022", types: ["node"] };

export const TS_CONFIGS: readonly TsConfig[] = [
  {
    name: "node16-strict",
    compilerOptions: { ...common, module: "node16", moduleResolution: "node16", strict: true },
    files: ["consumer.ts"],
  },
  {
    name: "node16-loose",
    compilerOptions: { ...common, module: "node16", moduleResolution: "node16", strict: false },
    files: ["consumer.ts"],
  },
  {
    name: "bundler-strict",
    compilerOptions: { ...common, module: "esnext", moduleResolution: "bundler", strict: true },
    files: ["consumer.ts"],
  },
  {
    name: "bundler-loose",
    compilerOptions: { ...common, module: "esnext", moduleResolution: "bundler", strict: false },
    files: ["consumer.ts"],
  },
  {
    name: "nodenext-strict-extras",
    compilerOptions: {
      ...common,
      module: "nodenext",
      moduleResolution: "nodenext",
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
    },
    files: ["consumer.ts", "consumer.cts"],
  },
  {
    name: "node20-cjs",
    compilerOptions: { ...common, module: "node20", moduleResolution: "node16", strict: true },
    files: ["consumer.cts"],
  },
];

export function typecheck(project: string, config: TsConfig): void {
  const file = join(project, `tsconfig.${config.name}.json`);
  writeFileSync(file, JSON.stringify({ compilerOptions: config.compilerOptions, files: config.files }, null, 2));
  run(join(project, "node_modules", ".bin", "tsc"), ["-p", file], { cwd: project, quiet: true });
  console.log(`  ok  tsc ${config.name}`);
}
