// `pnpm test:pack`: proves the packages work the way users install them. Builds and packs every public
// package with pnpm, installs the tarballs with npm into a throwaway project outside the workspace, then
// with plain `node` (no tsx, no source condition): imports and require()s every entry point, runs an
// Express + SQLite app (Express 5 and 4, ESM and CommonJS) over real HTTP, runs two real copies of core
// side by side, type-checks a TypeScript consumer under node16/bundler and strict on/off with
// skipLibCheck false, and lints every tarball with publint and attw. Linters alone passed packages that
// no plain Node app could load, so they are the last check here, not the only one.
//
// Runs on the `node` it is started with (the Node matrix starts it once per Node version, with
// --runtime-only); native addons are built against that Node's own headers. --keep keeps the work dir.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { appRoundTrip } from "./app-check.ts";
import { checkTarball, publicPackages } from "./packages.ts";
import { node, npmEnv, run } from "./shell.ts";
import { TS_CONFIGS, typecheck } from "./typecheck.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CONSUMER = fileURLToPath(new URL("./consumer/", import.meta.url));
const keep = process.argv.includes("--keep");
// The Node matrix runs the checks that depend on the Node version; types and lint do not.
const runtimeOnly = process.argv.includes("--runtime-only");

/** Versions the consumer installs beside our tarballs: the majors the peer ranges name. */
const THIRD_PARTY = [
  "express@^5.1.0",
  "express4@npm:express@^4.21.2",
  "@types/express@^5.0.3",
  "better-sqlite3@^12.9.0",
  "@types/better-sqlite3@^7.6.13",
  "pg@^8.16.0",
  "@types/pg@^8.15.0",
  "mysql2@^3.15.0",
  "@duckdb/node-api@1.5.6-r.1",
  "koa@^3.0.0",
  "hono@^4.9.0",
  "fastify@^5.6.0",
  "@opentelemetry/api@^1.9.0",
  "kysely@^0.28.8",
  "drizzle-orm@^0.45.0",
  "vitest@^4.0.0",
  "typescript@~5.9.3",
  "@types/node@^20.19.0",
];

async function main(): Promise<void> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), "sqlscope-pack-"));
  const step = (what: string) => console.log(`\n[test:pack] ${what} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  try {
    console.log(`[test:pack] node ${process.version} at ${process.execPath}; work dir ${work}`);
    step("building and packing the public packages with pnpm (prepack builds each, in dependency order)");
    const tarballs = join(work, "tarballs");
    mkdirSync(tarballs);
    const packages = publicPackages(ROOT);
    const filters = packages.flatMap((pkg) => ["--filter", pkg.name]);
    run("pnpm", ["-r", ...filters, "pack", "--pack-destination", tarballs], { cwd: ROOT, quiet: true });
    for (const pkg of packages) checkTarball(pkg, tarballs);

    step("installing the tarballs with npm into a project outside the workspace");
    const project = join(work, "app");
    mkdirSync(project);
    cpSync(CONSUMER, project, { recursive: true });
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "sqlscope-consumer", private: true, type: "module" }, null, 2),
    );
    const files = readdirSync(tarballs).map((f) => join(tarballs, f));
    run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...files, ...THIRD_PARTY], {
      cwd: project,
      env: npmEnv(),
    });

    step("importing every entry point with plain node (ESM)");
    const specifiers = packages.flatMap((pkg) => pkg.entryPoints);
    node(project, ["--input-type=module", "-e", importAll(specifiers)]);
    step("require()-ing every entry point (CommonJS)");
    node(project, ["-e", requireAll(specifiers)]);

    step("an Express + SQLite app under plain node: POST commits, GET reads it back");
    await appRoundTrip(project, ["app.mjs", "express", "esm5.db"], "ESM, Express 5");
    await appRoundTrip(project, ["app.mjs", "express4", "esm4.db"], "ESM, Express 4");
    await appRoundTrip(project, ["app.cjs", "express", "cjs5.db"], "CommonJS, Express 5");
    await appRoundTrip(project, ["app.cjs", "express4", "cjs4.db"], "CommonJS, Express 4");

    step("two copies of @sqlscope/core on disk: one scope store");
    await twoCopies(project);

    if (runtimeOnly) {
      step(`runtime checks passed for ${packages.length} packages (--runtime-only: types and lint skipped)`);
      return;
    }
    step("type-checking a TypeScript consumer (skipLibCheck false)");
    for (const config of TS_CONFIGS) typecheck(project, config);

    step("publint and attw on every tarball");
    for (const file of files) {
      run("npx", ["--no-install", "publint", "run", file, "--strict"], { cwd: ROOT, quiet: true });
      run("npx", ["--no-install", "attw", file, "--profile", "esm-only", "--format", "table-flipped"], {
        cwd: ROOT,
        quiet: true,
      });
    }
    step(`all checks passed for ${packages.length} packages`);
  } finally {
    if (keep) console.log(`[test:pack] kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A library with its own nested copy of core (as npm installs two versions), then a copy that speaks
 * another scope protocol, which must refuse to load with an error naming both copies.
 */
async function twoCopies(project: string): Promise<void> {
  const lib = join(project, "node_modules", "acme-repo");
  mkdirSync(join(lib, "node_modules", "@sqlscope"), { recursive: true });
  writeFileSync(
    join(lib, "package.json"),
    JSON.stringify({ name: "acme-repo", type: "module", exports: "./index.mjs" }),
  );
  cpSync(join(project, "acme-repo.mjs"), join(lib, "index.mjs"));
  const copy = join(lib, "node_modules", "@sqlscope", "core");
  cpSync(join(project, "node_modules", "@sqlscope", "core"), copy, { recursive: true, dereference: true });
  await appRoundTrip(project, ["two-copies.mjs", "copies.db"], "middleware from one copy, getSession() from another");

  const store = join(copy, "dist", "store.js");
  const text = readFileSync(store, "utf8");
  if (!/const PROTOCOL = \d+;/.test(text)) throw new Error(`${store} has no PROTOCOL constant to change`);
  writeFileSync(store, text.replace(/const PROTOCOL = \d+;/, "const PROTOCOL = 999;"));
  const out = node(project, ["--input-type=module", "-e", 'import "@sqlscope/core"; await import("acme-repo");'], {
    expectFailure: true,
  });
  for (const needle of [
    "ERR_SQLSCOPE_CONFIG",
    "Two incompatible copies of @sqlscope/core",
    join("acme-repo", "node_modules"),
  ]) {
    if (!out.includes(needle))
      throw new Error(
        `an incompatible second copy should fail naming both copies; output lacked ${JSON.stringify(needle)}:\n${out}`,
      );
  }
  console.log("  ok  an incompatible copy refuses to load and names both paths");
}

function importAll(specifiers: readonly string[]): string {
  return `for (const s of ${JSON.stringify(specifiers)}) { const m = await import(s); if (Object.keys(m).length === 0) throw new Error(s + " exports nothing"); console.log("  ok  import " + s); }`;
}

function requireAll(specifiers: readonly string[]): string {
  return `for (const s of ${JSON.stringify(specifiers)}) { const m = require(s); if (Object.keys(m).length === 0) throw new Error(s + " exports nothing"); console.log("  ok  require " + s); }`;
}

await main();
