import { existsSync, readdirSync } from "node:fs";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

// In the repository every @sqlscope package runs from its TypeScript source: the "@sqlscope/source"
// export condition points at src/ (published builds resolve "types"/"default" to dist/ instead).
const SOURCE = "@sqlscope/source";

// One vitest project per workspace package that has tests (packages/*, examples/*, docs/examples), named
// after its folder (examples by their path): `vitest run --project sqlite`. The projects do not extend this config on purpose:
// the global setup below (the database servers) must run once per run, not once per project.
function project(dir: string): TestProjectInlineConfiguration {
  return {
    // Vite's own defaults for the server side after ours, without "module" (which would pick some
    // packages' extensionless ESM builds that Node cannot load).
    ssr: { resolve: { conditions: [SOURCE, "node", "development|production"], externalConditions: [SOURCE] } },
    test: {
      name: dir.replace(/^packages\//, ""),
      include: [`${dir}/test/**/*.test.ts`],
      testTimeout: 30_000,
      hookTimeout: 120_000,
      pool: "forks",
      // Modules vitest leaves to Node (and child processes that inherit these flags) resolve the same way.
      execArgv: [`--conditions=${SOURCE}`],
    },
  };
}

const folders = ["packages", "examples"].flatMap((top) => readdirSync(top).map((name) => `${top}/${name}`));
const withTests = [...folders, "docs/examples"].filter((dir) => existsSync(`${dir}/test`)).sort();

export default defineConfig({
  test: {
    globalSetup: ["./test/global-setup.ts"],
    projects: withTests.map(project),
  },
});
