import { defineConfig } from "vitest/config";

// In the repository every @sqlscope package runs from its TypeScript source: the "@sqlscope/source"
// export condition points at src/ (published builds resolve "types"/"default" to dist/ instead).
const SOURCE = "@sqlscope/source";

export default defineConfig({
  // Vite's own defaults for the server side after ours, without "module" (which would pick some
  // packages' extensionless ESM builds that Node cannot load).
  ssr: { resolve: { conditions: [SOURCE, "node", "development|production"], externalConditions: [SOURCE] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "docs/examples/test/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Modules vitest leaves to Node (and child processes that inherit these flags) resolve the same way.
    execArgv: [`--conditions=${SOURCE}`],
  },
});
