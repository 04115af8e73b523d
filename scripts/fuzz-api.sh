#!/usr/bin/env bash
# Fuzzes the JSON API from its own OpenAPI document with schemathesis: every check, every
# phase (examples, coverage, fuzzing, stateful), once as a candidate, once as staff of a
# training organization, once as staff of a certification body and once as an
# administrator, against a server this script
# starts on a fresh SQLite database. Any finding (a 5xx, a response outside the
# document, a schema-valid request refused, an invalid one accepted, …) fails the run.
#
#   scripts/fuzz-api.sh [--cases N] [--require M] [--seed S] [--binary PATH] [--keep]
#
# --cases N   test cases per operation and phase (default 3: about 22,000 cases in all, some 3 minutes)
# --require M fail unless at least M cases were sent in all (default 1)
# --seed S    hypothesis seed, to replay a run (default: random, printed)
# --binary    the server binary (default target/debug/invigilator, built if missing)
# --keep      keep the temporary directory (database, server log, reports)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

SCHEMATHESIS_VERSION="4.32.5"
VENV="$ROOT/target/schemathesis-venv"
CASES=3
SEED="$RANDOM$RANDOM"
BINARY="$ROOT/target/debug/invigilator"
KEEP=0
REQUIRE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) CASES="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --require) REQUIRE="$2"; shift 2 ;;
    --binary) BINARY="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# Python 3.11 before 3.11.8 can fail inside Hypothesis with "AST constructor recursion
# depth mismatch" (a CPython bug): take a newer one when the machine has it.
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in /root/.pyenv/versions/3.13*/bin/python3 "$(command -v python3.13 || true)" "$(command -v python3.12 || true)" python3; do
    if [ -n "$candidate" ] && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11, 8))' 2>/dev/null; then
      PYTHON="$candidate"; break
    fi
  done
  PYTHON="${PYTHON:-python3}"
fi
if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version | grep -q "$SCHEMATHESIS_VERSION" \
   || ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11, 8))' 2>/dev/null; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
if [ ! -x "$BINARY" ]; then
  cargo build --quiet --bin invigilator
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/invigilator-fuzz-XXXXXX")"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
mkdir -p "$WORK/mail"

# The test overlay: cheap password hashing and sign-in throttles raised far above what
# the fuzzer sends (every request comes from one address). The 429 answers stay in the
# document; raising the limits only keeps them from hiding the operations behind them.
export APP_ENVIRONMENT=test
export APP_SERVER__PORT="$PORT"
export APP_DATABASE__URL="sqlite://$WORK/fuzz.db?mode=rwc"
export APP_EMAIL__TRANSPORT=file
export APP_EMAIL__FILE_DIR="$WORK/mail"
export APP_EMAIL__DELIVER_INTERVAL_SECONDS=1
export APP_EMAIL__PUBLIC_BASE_URL="$BASE"
export APP_AUTH__ACCESS_TOKEN_MINUTES=240
export APP_CERTIFICATES__VERIFICATION_PER_MINUTE=1000000
export APP_SITTINGS__SWEEP_INTERVAL_SECONDS=1
export RUST_LOG="${RUST_LOG:-warn,invigilator=error}"
PASSWORD="fuzzing password 1"
export INVIGILATOR_ADMIN_PASSWORD="$PASSWORD"

SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ "$KEEP" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

"$BINARY" admin create --email admin@fuzz.test --name "Ada Admin" >/dev/null
"$BINARY" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  curl -fs "$BASE/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "$BASE/health" >/dev/null

# The three accounts, made through the API as their owners would: a candidate who
# registers, an administrator, and staff of an accredited organization invited by e-mail
# (with a course, so its endpoints have something to find).
eval "$("$VENV/bin/python" - "$BASE" "$WORK/mail" "$PASSWORD" <<'PY'
import datetime, glob, json, quopri, re, sys, time, urllib.request

base, mail, password = sys.argv[1:4]

def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req) as r:
        text = r.read()
        return json.loads(text) if text else None

def login(email):
    return call("POST", "/api/v1/auth/login", {"email": email, "password": password})["access_token"]

call("POST", "/api/v1/auth/register", {"email": "candidate@fuzz.test", "password": password,
     "given_name": "Cora", "family_name": "Candidate"})
def mail_with(address, pattern):
    for _ in range(100):
        for f in sorted(glob.glob(f"{mail}/*")):
            text = quopri.decodestring(open(f, "rb").read()).decode("utf-8", "replace")
            if address in text:
                m = re.search(pattern, text)
                if m:
                    return m.group(1)
        time.sleep(0.2)
    raise SystemExit(f"no mail to {address} matching {pattern}")

# The candidate confirms the address from the e-mailed link, so sittings can start.
call("POST", "/api/v1/auth/verify-email",
     {"token": mail_with("candidate@fuzz.test", r"/account/verify#token=([A-Za-z0-9_\-]+)")})
candidate = login("candidate@fuzz.test")
admin = login("admin@fuzz.test")
ato = call("POST", "/api/v1/admin/atos", {"name": "Fuzz Training", "country": "GB",
     "contact_email": "office@fuzz.test"}, admin)
today = datetime.date.today()
call("POST", f"/api/v1/admin/atos/{ato['id']}/accreditations", {"qualification": "iso20000-auditor",
     "valid_from": str(today), "valid_until": str(today + datetime.timedelta(days=3650))}, admin)
call("POST", f"/api/v1/admin/atos/{ato['id']}/invitations", {"email": "staff@fuzz.test"}, admin)
token = mail_with("staff@fuzz.test", r"/invitations/accept#token=([A-Za-z0-9_\-]+)")
call("POST", "/api/v1/invitations/accept", {"token": token, "password": password,
     "given_name": "Sam", "family_name": "Staff"})
staff = login("staff@fuzz.test")
start = today + datetime.timedelta(days=7)
call("POST", "/api/v1/ato/courses", {"qualification": "iso20000-auditor", "title": "Auditor course",
     "starts_on": str(start), "ends_on": str(start + datetime.timedelta(days=2)),
     "delivery": "classroom", "trainer_name": "Terry Trainer"}, staff)
# Staff of a certification body with one certified organization, so the register's
# routes are fuzzed past their door too.
rcb = call("POST", "/api/v1/admin/certification-bodies", {"name": "Fuzz Certification",
     "country": "GB", "accreditation_body": "UKAS"}, admin)
call("POST", f"/api/v1/admin/certification-bodies/{rcb['id']}/invitations", {"email": "rcb@fuzz.test"}, admin)
token = mail_with("rcb@fuzz.test", r"/invitations/accept#token=([A-Za-z0-9_\-]+)")
call("POST", "/api/v1/invitations/accept", {"token": token, "password": password,
     "given_name": "Rita", "family_name": "Register"})
rcb_staff = login("rcb@fuzz.test")
call("POST", "/api/v1/rcb/organizations", {"organization": "Fuzz Hosting", "country": "GB",
     "scope": "Hosting services", "edition": "ISO/IEC 20000-1:2011", "certificate_number": "FZ-1",
     "issued_on": str(today), "expires_on": str(today + datetime.timedelta(days=1095))}, rcb_staff)
print(f"CANDIDATE_TOKEN={candidate} STAFF_TOKEN={staff} RCB_TOKEN={rcb_staff} ADMIN_TOKEN={admin}")
PY
)"

# The settings file, with the case counts: CASES per operation in each of the examples,
# coverage and fuzzing phases, and ten times as many scenarios (chains of linked calls,
# up to 10 steps each) in the stateful phase.
{
  echo "generation.max-examples = $CASES"
  cat "$ROOT/scripts/fuzz-api.toml"
  echo
  echo "[phases.stateful]"
  echo "generation.max-examples = $((CASES * 10))"
  echo "max-steps = 10"
} >"$WORK/schemathesis.toml"

echo "fuzzing $BASE with schemathesis $SCHEMATHESIS_VERSION: $CASES cases per operation and phase, seed $SEED"
total=0
failed=0
began=$(date +%s)
for role in candidate staff rcb admin; do
  case "$role" in
    candidate) export FUZZ_TOKEN="$CANDIDATE_TOKEN" ;;
    staff) export FUZZ_TOKEN="$STAFF_TOKEN" ;;
    rcb) export FUZZ_TOKEN="$RCB_TOKEN" ;;
    admin) export FUZZ_TOKEN="$ADMIN_TOKEN" ;;
  esac
  report="$WORK/report-$role"
  set +e
  "$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "$BASE/api/openapi.json" \
    --url "$BASE" \
    --checks all \
    --phases examples,coverage,fuzzing,stateful \
    --seed "$SEED" \
    --workers 2 \
    --no-color \
    --report junit --report-dir "$report" \
    >"$WORK/schemathesis-$role.txt" 2>&1
  status=$?
  set -e
  # "Test cases:" is followed by "N generated, …": every case schemathesis sent.
  cases=$(grep -A1 "^Test cases:" "$WORK/schemathesis-$role.txt" | grep -oE "[0-9]+ generated" | grep -oE "[0-9]+" || echo 0)
  summary=$(grep -E "^=+ .* in [0-9.]+s =+$" "$WORK/schemathesis-$role.txt" | tail -1 | tr -d '=' | sed 's/^ *//; s/ *$//')
  echo "as $role: exit $status, $cases cases; $summary"
  total=$((total + cases))
  if [ "$status" != 0 ]; then
    failed=1
    sed -n '/= ERRORS =\|= FAILURES =/,/= SUMMARY =/p' "$WORK/schemathesis-$role.txt" | grep -v "^    File \|^    [ ^~]*$" | head -300 || true
  fi
done
elapsed=$(( $(date +%s) - began ))
if grep -q "panicked" "$WORK/server.log"; then
  echo "the server panicked:"; grep -A5 "panicked" "$WORK/server.log" | head -40
  failed=1
fi
if [ "$total" -lt "$REQUIRE" ]; then
  echo "only $total cases were sent; at least $REQUIRE are required"
  failed=1
fi
echo "schemathesis: $total cases in ${elapsed}s as candidate, ATO staff, certification body staff and administrator; $([ $failed = 0 ] && echo "no findings" || echo "FINDINGS (see above)")"
exit $failed
