import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const ENTRIES = {
  server: fileURLToPath(new URL("./server/main.ts", import.meta.url)),
  micro: fileURLToPath(new URL("./micro/main.ts", import.meta.url)),
};

const PACKAGES_DIR = fileURLToPath(new URL("../../packages/", import.meta.url));

/**
 * An @sqlscope package that has no source yet (adapters and drivers land one by one) becomes a module
 * that throws when loaded, so only the servers that need it fail, with a message saying why.
 */
const missingPackages: Plugin = {
  name: "missing-sqlscope-packages",
  setup(b) {
    b.onResolve({ filter: /^@sqlscope\/[a-z-]+$/ }, (args) => {
      const name = args.path.slice("@sqlscope/".length);
      if (existsSync(`${PACKAGES_DIR}${name}/src/index.ts`)) return undefined;
      return { path: args.path, namespace: "missing" };
    });
    b.onLoad({ filter: /.*/, namespace: "missing" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} has no source yet (packages/${args.path.slice(10)}/src/index.ts), so this variant cannot run`)});`,
      loader: "js",
    }));
  },
};

/**
 * Bundles the benchmark server and the micro-benchmark (our packages, the frameworks and pure-JS drivers) into one ESM file,
 * as a production build would. Running the TypeScript through tsx instead would add tsx's `__name`
 * call to every closure created per request (keepNames), a cost no compiled deployment pays.
 * Native modules stay external and load from the node_modules nearest `outDir` (see cores.ts bundleDir).
 */
export async function buildBundles(outDir: string): Promise<{ server: string; micro: string }> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: ENTRIES,
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Workspace packages are bundled from their src/ (the "@sqlscope/source" export condition).
    conditions: ["@sqlscope/source"],
    sourcemap: "linked",
    // Code splitting is off, so every dynamic import is inlined; the server picks its branch at run time.
    // MikroORM (M) stays external too: knex under it require()s every SQL client it supports, present or not.
    external: [
      "better-sqlite3",
      "@duckdb/node-api",
      "@duckdb/node-bindings",
      "pg-native",
      "cpu-features",
      "ssh2",
      "@mikro-orm/*",
      "knex",
    ],
    // CommonJS dependencies (Express, Koa, Fastify) call require() for Node built-ins.
    banner: {
      js: 'import { createRequire as __benchRequire } from "node:module"; const require = __benchRequire(import.meta.url);',
    },
    plugins: [missingPackages],
    logLevel: "error",
  });
  return { server: join(outDir, "server.mjs"), micro: join(outDir, "micro.mjs") };
}
