#!/usr/bin/env bash
# Makes sure the database servers the test suite starts (throwaway, on loopback) are installed:
# PostgreSQL server binaries (pg_basebackup for the replica among them), PgBouncer and MariaDB.
# Installs them with apt-get when running as root on Debian; otherwise prints how. The tests themselves decide: in CI a missing server fails the run.
set -u
missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "sqlscope: installing database servers for the tests: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null || {
    echo "sqlscope: could not install ${missing[*]}" >&2
    [ "${CI:-}" = "true" ] && exit 1
  }
else
  echo "sqlscope: ${missing[*]} not installed; their test suites will be skipped." >&2
  echo "sqlscope: install with: sudo apt-get install -y ${missing[*]}" >&2
fi
exit 0
