#!/usr/bin/env bash
# Checks the deployment files without a container engine (README, "Deployment"):
#
# - the final stage of the Dockerfile: its COPY lines are assembled into an empty
#   directory, with the given binary, and the server runs from there as an unprivileged
#   user with the image's environment (production, SQLite on the data volume) and the
#   secrets an operator sets: `config check` passes, `serve` becomes ready, SIGTERM stops
#   it with exit status 0, and nothing outside the data volume was written;
# - the systemd unit, with `systemd-analyze verify` when it is installed.
#
#   bash scripts/check-deploy.sh target/debug/invigilator
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(realpath "${1:-target/debug/invigilator}")

root=$(mktemp -d)
chmod 755 "$root"
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$root"
}
trap cleanup EXIT
image="$root/image"
mkdir -p "$image/usr/local/bin"

# The final stage starts at its FROM; only its COPY lines put files in the image.
final=$(awk '/^FROM /{n++} n==2' Dockerfile)
workdir=$(printf '%s\n' "$final" | awk '/^WORKDIR /{print $2}' | tail -n 1)
mkdir -p "$image$workdir"
while read -r _ from src dest; do
  case "$from" in
    --from=build) cp "$binary" "$image$dest" ;;
    *) dest=$src; src=$from
       mkdir -p "$(dirname "$image$workdir/${dest#./}")"
       cp -r "$src" "$image$workdir/${dest#./}" ;;
  esac
done < <(printf '%s\n' "$final" | grep '^COPY ')
mkdir -p "$image$workdir/data"

# The image's environment, with its paths moved under the staging directory.
env_lines=$(printf '%s\n' "$final" | sed -n '/^ENV /,/[^\\]$/p' | sed 's/^ENV //; s/\\$//' | tr -s ' ' '\n' | grep '=')
declare -a envs
while read -r kv; do
  envs+=("${kv//\/srv\/invigilator/$image$workdir}")
done <<< "$env_lines"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
key=$(openssl genpkey -algorithm ed25519 2>/dev/null)
secrets=(
  "APP_AUTH__JWT_SECRET=$(openssl rand -hex 32)"
  "APP_CERTIFICATES__SIGNING_KEY=$key"
  "APP_EMAIL__PUBLIC_BASE_URL=https://exams.example.org"
  "APP_EMAIL__SMTP_HOST=127.0.0.1"
  "APP_SERVER__HOST=127.0.0.1"
  "APP_SERVER__PORT=$port"
  "APP_SERVER__TRUSTED_PROXIES=127.0.0.1"
  "APP_POOLS__DIR=$image/srv/bank"
)
# The operator's private item bank, mounted beside the image: here a copy of the shipped
# sample with its `sample = true` marker taken out.
cp -r question-pools "$image/srv/bank"
find "$image/srv/bank" -name scheme.toml -exec sed -i '/^sample *= *true/d' {} +
user=nobody
chown -R "$user" "$image$workdir/data"
# Runs the image's command as the unprivileged user; call it in a subshell (it execs).
run() {
  cd "$image$workdir"
  exec env -i PATH=/usr/bin:/bin "${envs[@]}" "${secrets[@]}" \
    setpriv --reuid="$user" --regid=nogroup --clear-groups "$image/usr/local/bin/invigilator" "$@"
}

echo "image layout:"
(cd "$image" && find . -maxdepth 3 -not -path './srv/invigilator/question-pools/*' | sort | sed 's/^/  /')

echo "config check (production, as $user):"
if ! (run config check) > "$root/check.txt"; then
  cat "$root/check.txt"
  echo "config check found the image's production configuration unsafe" >&2
  exit 1
fi
grep -E '^(UNSAFE|note|# Review)' "$root/check.txt" | sed 's/^/  /'

run serve > "$root/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port${READY_PATH:-/health/ready}" > "$root/ready.json" 2>/dev/null; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then cat "$root/server.log"; echo "the server exited" >&2; exit 1; fi
  sleep 0.2
done
echo "ready: $(cat "$root/ready.json")"
# The process runs as the unprivileged user.
owner=$(ps -o user= -p "$server" | tr -d ' ')
[ "$owner" = "$user" ] || { echo "the server runs as $owner, not $user" >&2; exit 1; }
kill -TERM "$server"
status=0; wait "$server" || status=$?
[ "$status" -eq 0 ] || { cat "$root/server.log"; echo "SIGTERM: exit status $status" >&2; exit 1; }
echo "SIGTERM: exit status 0"
# Only the data volume was written.
written=$(find "$image" -newer "$root/check.txt" -type f -not -path "$image$workdir/data/*" | sed "s|$image||")
[ -z "$written" ] || { echo "written outside the data volume: $written" >&2; exit 1; }
ls "$image$workdir/data" | sed 's/^/  data: /'

if command -v systemd-analyze >/dev/null; then
  unit="$root/invigilator.service"
  mkdir -p "$root/opt"
  sed "s|/opt/invigilator|$image$workdir|g; s|/usr/local/bin/invigilator|$image/usr/local/bin/invigilator|g; s|EnvironmentFile=.*|EnvironmentFile=-/dev/null|" \
    deploy/invigilator.service > "$unit"
  cp "$binary" "$image$workdir/invigilator"
  systemd-analyze verify "$unit" 2>&1 | grep -v -E 'Failed to open|No such file|user .* not found|Unit .* not found|is not a mount point|/proc/|cgroup' || true
  if systemd-analyze verify "$unit" 2>&1 | grep -E 'Unknown (key|section)|Invalid|Failed to parse|Missing'; then
    echo "the systemd unit does not verify" >&2
    exit 1
  fi
  echo "systemd unit: verified"
fi
echo "deployment files: ok"
