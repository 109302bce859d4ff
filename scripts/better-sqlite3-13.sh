#!/usr/bin/env bash
# better-sqlite3 13 with the packed @sqlscope/core and @sqlscope/sqlite, in a throwaway project outside
# the workspace (the workspace itself stays on 12, which Node 20 needs). scripts/node-matrix.sh runs it
# after the suites; on its own:
#
#   bash scripts/better-sqlite3-13.sh [NODE_VERSION]        # default 24.22.3
#
# 1. pnpm pack core and sqlite (prepack builds them), npm install the tarballs with better-sqlite3 13
#    and vitest into an empty directory: 13's npm tarball carries prebuilt Node-API addons, so nothing
#    is built or downloaded besides the packages themselves (install scripts are off to prove it);
# 2. the shared driver conformance suite (runDriverConformance) against it, under that Node;
# 3. under this machine's Node (20), sqlite() must refuse better-sqlite3 13 with a ConfigError
#    instead of the segmentation fault 13 gives on Node 20.
set -euo pipefail

BS13="${SQLSCOPE_BS13_VERSION:-13.2.0}"
NODE_VERSION="${1:-24.22.3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SQLSCOPE_NODE_CACHE:-$ROOT/.cache/node}"
cd "$ROOT"

bash scripts/install-node.sh "$NODE_VERSION" >/dev/null
NODE_BIN="$CACHE/v$NODE_VERSION/bin"
VITEST="$(node -p 'require("vitest/package.json").version')"

work="$(mktemp -d "${TMPDIR:-/tmp}/sqlscope-better-sqlite3-13-XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "better-sqlite3-13: packing @sqlscope/core and @sqlscope/sqlite"
(cd packages/core && pnpm pack --pack-destination "$work" >/dev/null)
(cd packages/sqlite && pnpm pack --pack-destination "$work" >/dev/null)

cat >"$work/package.json" <<'EOF'
{ "name": "sqlscope-better-sqlite3-13", "private": true, "type": "module" }
EOF
mkdir -p "$work/test"
cat >"$work/test/conformance.test.js" <<'EOF'
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDriverConformance } from "@sqlscope/core/testing";
import { sqlite } from "@sqlscope/sqlite";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { sqliteValues } from "./values.ts";

const dir = mkdtempSync(join(tmpdir(), "sqlscope-bs13-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("runs on better-sqlite3 13", () => {
  expect(createRequire(import.meta.url)("better-sqlite3/package.json").version).toMatch(/^13\./);
  expect(new Database(":memory:").prepare("SELECT sqlite_version() AS v").get().v).toMatch(/^3\./);
});

runDriverConformance({
  name: "sqlite (better-sqlite3 13)",
  makeDriver: () => sqlite({ filename: join(dir, "conformance.db") }),
  capabilities: { savepoints: true, lastInsertId: true, returning: true },
  values: sqliteValues,
});
EOF
# The values the sqlite package's own conformance run expects (13 returns the same types as 12).
cp packages/sqlite/test/values.ts "$work/test/values.ts"

echo "better-sqlite3-13: npm install better-sqlite3@$BS13 vitest@$VITEST and the tarballs (Node $NODE_VERSION)"
(cd "$work" && PATH="$NODE_BIN:$PATH" npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
  "better-sqlite3@$BS13" "vitest@$VITEST" ./sqlscope-core-*.tgz ./sqlscope-sqlite-*.tgz >/dev/null)
[ ! -e "$work/node_modules/better-sqlite3/build" ] && [ -f "$work/node_modules/better-sqlite3/prebuilds/linux-x64.node" ] || {
  echo "better-sqlite3-13: expected 13's prebuilt prebuilds/linux-x64.node and no build/ directory" >&2
  exit 1
}

echo "better-sqlite3-13: the driver conformance suite on Node $NODE_VERSION"
(cd "$work" && PATH="$NODE_BIN:$PATH" "$NODE_BIN/node" node_modules/vitest/vitest.mjs run)

echo "better-sqlite3-13: sqlite() on this machine's Node $(node --version) must refuse it"
(cd "$work" && node --input-type=module -e '
  const { sqlite } = await import("@sqlscope/sqlite");
  try {
    sqlite({ filename: ":memory:" });
  } catch (error) {
    if (error.code === "ERR_SQLSCOPE_CONFIG" && /Node 22 or later/.test(error.message)) {
      console.log("refused: " + error.message);
      process.exit(0);
    }
    throw error;
  }
  console.error("sqlite() accepted better-sqlite3 13 on " + process.version);
  process.exit(1);
')
echo "better-sqlite3-13: passed"
