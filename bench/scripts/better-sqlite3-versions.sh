#!/usr/bin/env bash
# better-sqlite3 12 against 13 on one Node, in process: bench/src/addon/main.ts (raw operations and a
# sqlscope request path) in two throwaway projects outside the workspace, each with the packed
# @sqlscope/core and @sqlscope/sqlite and one better-sqlite3: 12 is the workspace's version with the
# addon scripts/install-node.sh built for this Node, 13 is the npm package with its prebuilt addon.
# The two alternate, REPS times each, and the table shows the median CPU time per operation, so a
# busy machine moves both columns alike (run it on an idle one all the same).
#
#   bash bench/scripts/better-sqlite3-versions.sh [NODE_VERSION] [REPS]     # defaults 24.22.3, 5
set -euo pipefail

NODE_VERSION="${1:-24.22.3}"
REPS="${2:-5}"
BS13="${SQLSCOPE_BS13_VERSION:-13.2.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${SQLSCOPE_NODE_CACHE:-$ROOT/.cache/node}"
cd "$ROOT"

bash scripts/install-node.sh "$NODE_VERSION" >/dev/null
NODE_DIR="$CACHE/v$NODE_VERSION"
NODE="$NODE_DIR/bin/node"
BS12="$(node -p 'require(process.argv[1]).version' "$NODE_DIR/node_modules/better-sqlite3/package.json")"

work="$(mktemp -d "${TMPDIR:-/tmp}/sqlscope-addon-bench-XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd packages/core && pnpm pack --pack-destination "$work" >/dev/null)
(cd packages/sqlite && pnpm pack --pack-destination "$work" >/dev/null)

for major in 12 13; do
  p="$work/p$major"
  mkdir -p "$p"
  echo '{ "name": "addon-bench", "private": true, "type": "module" }' >"$p/package.json"
  cp bench/src/addon/main.ts "$p/main.ts"
  if [ "$major" = 12 ]; then spec="better-sqlite3@$BS12"; else spec="better-sqlite3@$BS13"; fi
  # No install scripts: 12's would try a download, then build against ~/.npmrc's headers.
  (cd "$p" && PATH="$NODE_DIR/bin:$PATH" npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
    "$spec" "$work"/sqlscope-core-*.tgz "$work"/sqlscope-sqlite-*.tgz >/dev/null)
done
mkdir -p "$work/p12/node_modules/better-sqlite3/build/Release"
cp "$NODE_DIR/node_modules/better-sqlite3/build/Release/better_sqlite3.node" "$work/p12/node_modules/better-sqlite3/build/Release/"

echo "better-sqlite3 $BS12 against $BS13 on Node $NODE_VERSION, $REPS alternating runs each (CPU time per operation)"
for rep in $(seq "$REPS"); do
  # Alternate which goes first, so drift on a shared machine falls on both.
  if [ $((rep % 2)) = 1 ]; then order=(12 13); else order=(13 12); fi
  for major in "${order[@]}"; do
    (cd "$work/p$major" && "$NODE" --disable-warning=ExperimentalWarning main.ts >>"$work/results-$major.jsonl")
  done
  echo "  run $rep of $REPS done"
done

node - "$work/results-12.jsonl" "$work/results-13.jsonl" <<'EOF'
const { readFileSync } = require("node:fs");
const [a, b] = process.argv.slice(2).map((f) => readFileSync(f, "utf8").trim().split("\n").map((l) => JSON.parse(l)));
const median = (xs) => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} us` : `${ns.toFixed(0)} ns`);
// Each run of 12 is paired with the run of 13 next to it: the ratio of a pair is what one stretch of
// the machine's load gave both, and its median over the pairs is the figure to read.
console.log(`\n| CPU per operation (${a[0].node}), median (min) | better-sqlite3 ${a[0].betterSqlite3} | ${b[0].betterSqlite3} | 13 / 12, median of pairs |`);
console.log("|---|---|---|---|");
for (const key of Object.keys(a[0]).filter((k) => typeof a[0][k] === "number")) {
  const x = a.map((r) => r[key]), y = b.map((r) => r[key]);
  const ratio = median(x.map((v, i) => y[i] / v));
  console.log(`| ${key} | ${fmt(median(x))} (${fmt(Math.min(...x))}) | ${fmt(median(y))} (${fmt(Math.min(...y))}) | ${ratio.toFixed(2)} |`);
}
EOF
