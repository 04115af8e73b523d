#!/usr/bin/env bash
# The crash and fault tests on both engines (README, "Faults"): kill -9 under load and in
# the submit storm, PostgreSQL restarted under load, SIGTERM under load (a graceful
# shutdown; as many rounds as --kills, at most 20), and on SQLite a full disk and the
# restore drill (a backup under load restored into a fresh server).
#
#   bash scripts/faults.sh                 # the long run: 50 kills per engine
#   bash scripts/faults.sh --kills 5       # a short run (what .ci/run does)
#   PROFILE=dev bash scripts/faults.sh     # reuse the debug build instead of a release one
#
# Needs root (the disk-full scenario mounts a tmpfs, the PostgreSQL scenario runs
# pg_ctlcluster) and PostgreSQL at TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432),
# which is started again on exit whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_url=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
profile=${PROFILE:-release}

start_postgres() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
}
trap start_postgres EXIT

cargo bench --profile "$profile" --bench faults -- --engine sqlite "$@"
cargo bench --profile "$profile" --bench faults -- --engine postgres --postgres-url "$pg_url" "$@"
