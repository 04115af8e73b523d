#!/usr/bin/env bash
# Drops the databases PostgreSQL test runs leave behind (invigilator_test_*, or those
# starting with the prefix given second, e.g. invigilator_browser_).
set -euo pipefail
url=${1:-${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}}
prefix=${2:-invigilator_test_}
psql "$url/postgres" -Atqc "select datname from pg_database where datname like '${prefix}%'" </dev/null |
  while read -r db; do
    psql "$url/postgres" -qc "DROP DATABASE IF EXISTS \"$db\"" </dev/null
  done
