#!/usr/bin/env bash
# Bad input against the whole API: Schemathesis, driven by the OpenAPI document the server serves
# (/api/v1/openapi.json), sends every operation generated requests, valid and invalid, and checks that no answer is
# a 5xx, that every answer conforms to the document (status code, content type, body, headers), that requests the
# document allows are accepted and those it forbids refused, that undeclared methods answer 405, and that
# credentials are enforced (`--checks all`).
#
#   infra/schemathesis.sh [EXAMPLES_PER_OPERATION] [extra `st run` arguments ...]
#   infra/schemathesis.sh 5            # the bounded run of infra/test.sh (CI): under 2 minutes on 2 cores
#   infra/schemathesis.sh              # 10 examples per operation: about 3 minutes
#   infra/schemathesis.sh 100          # the longer run, by hand (about 10 minutes), before a release or after
#                                      # changing the API
#   infra/schemathesis.sh 20 --include-path-regex '/datasets'        # one area
#   SCHEMATHESIS_SEED=1234 infra/schemathesis.sh 10                   # replay a run (its seed is printed)
#
# It runs `meridian demo` (the embedded default: SQLite and files in a fresh temporary directory; every MERIDIAN_*
# variable of the caller's environment left out, the rate limits raised so that 429s do not drown the run) on a
# free port of 127.0.0.1, signs in as the demo account through the API (session cookie + `meridian_csrf`), creates a
# `write` API key for the demo workspace, and runs Schemathesis twice: with the key (`Authorization: Bearer`), then
# with the session cookie and the X-CSRF-Token header. Path parameters named `slug` are the demo workspace (random
# slugs would only ever meet 404). Exits non-zero if either run finds anything or the server logs a panic; the
# server's log and Schemathesis's reports (JUnit XML and NDJSON per run) stay in the directory printed at the start
# and the end.
#
# Where Meridian's documented rules and Schemathesis's defaults differ (404 for objects a caller may not see; rules
# no JSON Schema can state, such as "the telescope must exist in this workspace"), infra/schemathesis_hooks.py says
# so, narrowly. A schema-valid request that is refused for any other reason is a finding: fix the document (or the
# validation), not the hooks.
#
# Schemathesis (pinned below) is installed from PyPI into a venv under ${DEVSVC_ROOT:-/tmp/meridian-devsvc} and
# reused. The binary is ${CARGO_TARGET_DIR:-target}/debug/meridian, built with `cargo build -p meridian-server`
# when missing (after changing the code, rebuild it: the script does not).
#
# Environment: SCHEMATHESIS_MAX_TIME (seconds per run; default 300 + 30 per example), SCHEMATHESIS_WORKERS
# (default 1), SCHEMATHESIS_SEED, MERIDIAN_BIN (another binary).
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
examples="${1:-10}"
shift || true
extra=("$@")
if ! [[ "$examples" =~ ^[0-9]+$ ]] || [[ "$examples" -eq 0 ]]; then
  echo "usage: infra/schemathesis.sh [EXAMPLES_PER_OPERATION] [schemathesis run arguments ...]" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
max_time="${SCHEMATHESIS_MAX_TIME:-$((300 + 30 * examples))}"
# One worker: with more, Python 3.11 sometimes trips over its own parser in Hypothesis ("AST constructor recursion
# depth mismatch", an error of the tool, not a finding), and on 2 cores the server has the other one.
workers="${SCHEMATHESIS_WORKERS:-1}"

log() { printf '[schemathesis] %s\n' "$*" >&2; }

# Schemathesis, in its own venv.
venv="${DEVSVC_ROOT:-/tmp/meridian-devsvc}/schemathesis-venv"
if ! "$venv/bin/st" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
  log "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

# The debug binary.
bin="${MERIDIAN_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/meridian}"
if [[ ! -x "$bin" ]]; then
  log "building $bin"
  cargo build -q -p meridian-server
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/meridian-schemathesis.XXXXXX")"
log "logs and reports: $work"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

# The server, with a clean environment: only PATH and HOME of the caller's, no MERIDIAN_* setting.
server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap stop_server EXIT
env -i PATH="$PATH" HOME="${HOME:-/root}" \
  MERIDIAN_LOG=info RUST_BACKTRACE=1 \
  MERIDIAN_PUBLIC_BURST=100000 MERIDIAN_PUBLIC_PER_SECOND=100000 \
  MERIDIAN_LOGIN_BURST=100000 MERIDIAN_SIGNUP_BURST=100000 \
  "$bin" demo --bind "127.0.0.1:$port" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  if curl -fsS -o /dev/null "$base/readyz" 2>/dev/null; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    log "the server stopped; its log ($work/server.log) ends with:"; tail -20 "$work/server.log" >&2; exit 1
  fi
  sleep 0.2
done
curl -fsS -o /dev/null "$base/readyz" || { log "the server did not become ready"; tail -20 "$work/server.log" >&2; exit 1; }

# Sign in (session cookie + CSRF cookie), then a write key for the demo workspace.
slug=demo-observatory
jar="$work/cookies.txt"
curl -fsS -c "$jar" -o /dev/null -H 'Content-Type: application/json' \
  -d '{"email":"demo@meridian.test","password":"stargazer-demo"}' "$base/api/v1/sessions"
cookie_value() { awk -v n="$1" '$6 == n { v = $7 } END { print v }' "$jar"; }
session="$(cookie_value meridian_session)"
csrf="$(cookie_value meridian_csrf)"
if [[ -z "$session" || -z "$csrf" ]]; then log "signing in gave no session or CSRF cookie"; exit 1; fi
key="$(curl -fsS -b "$jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  -d '{"name":"schemathesis","scope":"write"}' "$base/api/v1/workspaces/$slug/api-keys" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')"

# The configuration of a run (a schemathesis.toml), AUTH its credentials. Operations left out, each for its
# reason, are listed here: keep them few.
write_config() {  # write_config FILE AUTH_TOML
  cat >"$1" <<EOF
# Written by infra/schemathesis.sh.
hooks = "$root/infra/schemathesis_hooks.py"

[cache]
enabled = false

[parameters]
"path.slug" = "$slug"

# 413 (a body over the 64 KiB JSON limit) refuses invalid data as much as 400 or 422 do.
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]

$2

# Signing out would end the session run half-way (and with a key it does nothing worth testing).
[[operations]]
include-name = "DELETE /api/v1/sessions/current"
enabled = false
EOF
}

run_schemathesis() {  # run_schemathesis NAME AUTH_TOML [HEADER...]: one run with these credentials
  local name=$1 auth=$2; shift 2
  local headers=() config="$work/schemathesis-$name.toml"
  for h in "$@"; do headers+=(--header "$h"); done
  write_config "$config" "$auth"
  log "run '$name': $examples examples per operation, at most $max_time s"
  # The time limit is timeout's: Schemathesis's own --max-time turns the run into "repeat until the time is
  # spent", not a bounded number of examples.
  timeout --signal=INT --kill-after=30 "$max_time" \
    "$venv/bin/st" --config-file "$config" run "$base/api/v1/openapi.json" \
    ${headers[@]+"${headers[@]}"} \
    --checks all \
    --max-examples "$examples" \
    --workers "$workers" \
    --request-timeout 30 \
    --generation-database none \
    ${SCHEMATHESIS_SEED:+--seed "$SCHEMATHESIS_SEED"} \
    --report junit,ndjson --report-dir "$work/report-$name" \
    --no-color \
    ${extra[@]+"${extra[@]}"} 2>&1 | tee "$work/schemathesis-$name.log"
  return "${PIPESTATUS[0]}"
}

# The credentials go in as the document's security schemes (`api_key`: the bearer key; `session`: the cookie), so
# that Schemathesis knows them for what they are (and leaves them out to check that they are needed). The CSRF
# token is a plain header: sent with every request, needed on unsafe ones.
status=0
results=()
if run_schemathesis key "[auth.openapi.api_key]
bearer = \"$key\""; then
  results+=("key: passed")
else
  status=1; results+=("key: FAILED")
fi
if run_schemathesis session "[auth.openapi.session]
api_key = \"$session\"" "X-CSRF-Token: $csrf"; then
  results+=("session: passed")
else
  status=1; results+=("session: FAILED")
fi
stop_server
# Schemathesis sees the answers; the log shows what it cannot: a panic (a dropped connection) or a cause logged
# behind a 500.
if grep -qE 'panicked|internal error' "$work/server.log"; then
  log "the server logged failures:"; grep -E 'panicked|internal error' "$work/server.log" | head -20 >&2; status=1
fi

echo
echo "schemathesis $SCHEMATHESIS_VERSION, $examples examples per operation:"
for r in "${results[@]}"; do
  run=${r%%:*}
  outcome=$(grep -aE '^=+ .* in [0-9.]+s =+$' "$work/schemathesis-$run.log" | tail -1 | sed 's/=//g; s/^ *//; s/ *$//')
  seed=$(grep -aE '^Seed: ' "$work/schemathesis-$run.log" | tail -1 | sed 's/^Seed: //')
  echo "  $r (${outcome:-no summary: see its log}; seed ${seed:-?})"
done
echo "logs and reports: $work"
exit $status
