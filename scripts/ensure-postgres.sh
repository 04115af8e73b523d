#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 and prints a URL for it
# (without a database name) on stdout. Installs PostgreSQL with apt-get when missing.
set -euo pipefail

log() { printf '%s\n' "$*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "PostgreSQL is not installed: installing it with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    log "creating PostgreSQL $version cluster 'main'"
    pg_createcluster "$version" main >&2
  fi
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
fi
pg_isready -q -h 127.0.0.1 -p 5432 || { log "PostgreSQL does not answer on 127.0.0.1:5432"; exit 1; }

# Trust auth (this machine's set-up) needs no password; a fresh Debian cluster asks for
# one over TCP, so give the postgres role a local-only test password.
if psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1 </dev/null; then
  echo "postgres://postgres@127.0.0.1:5432"
else
  log "setting a password for the postgres role (TCP login needs one on this cluster)"
  su postgres -c "psql -Atqc \"ALTER ROLE postgres PASSWORD 'postgres'\"" >&2
  echo "postgres://postgres:postgres@127.0.0.1:5432"
fi
