#!/usr/bin/env bash
# bench.sh: start-up time, API throughput/latency and memory of a release build, for the performance report.
#
# Usage: infra/bench.sh            (from anywhere; needs a release build, PostgreSQL from infra/devservices.sh)
#   a. cold start to the first 200 from /readyz on the embedded default (fresh and already-migrated data dir)
#   b. GET /api/v1/me with an API key on PostgreSQL, 32 connections for 10 s (oha if present, else wrk)
#   c. the server's RSS: idle after start, and the peak while under that load
#   d. observing at scale on PostgreSQL: 1,000 night logs and 100,000 entries (infra/bench-observing.sql), the
#      filtered entry query (tag + night range + text) under load, and the night page's server-side render time
#      (one connection: each request's latency is the render)
#   e. (opt-in) a 1 GiB streamed upload through the API to S3 (SeaweedFS from infra/devservices.sh) against
#      `aws s3 cp` of the same file (AWS CLI installed with pip into target/bench/venv), and the server's RSS
#      growth during the upload (100 ms samples)
#   f. (opt-in) cone search on PostgreSQL over 1,000,000 files at random positions (seeded through the Rust
#      example backend/service/examples/seed_files.rs, HEALPix as the server computes it): p50/p99 of the API at
#      random centres, and EXPLAIN ANALYZE of one query
#      then SIAv2 on the same rows made public and ingested (one real header copied to all): p50/p99 of a 0.5 deg
#      CIRCLE with MAXREC=1000 at random centres, and rows/s of one large streamed answer (MAXREC=BENCH_SIA_ROWS)
#   g. (opt-in) a data package of 8 x 256 MiB random files on S3 (SeaweedFS), its tar and zip archives streamed
#      through the API against reading the same objects straight from S3 with `aws s3 cp ... -`, and the server's
#      RSS growth while streaming (100 ms samples)
# Prints a summary table and writes it to target/bench/summary.txt.
#
# Env: SERVER_BIN (default target/release/meridian)   TEST_DATABASE_URL (default: devservices' PostgreSQL)
#      BENCH_PORT (18080)  BENCH_RUNS (5)  BENCH_DURATION (10, seconds)  BENCH_CONNECTIONS (32)
#      BENCH_LOG (the server's log filter; unset = the server's default, as a deployment would run it)
#      BENCH_PARTS (default "abcd"; e.g. BENCH_PARTS=d runs only the observing part, BENCH_PARTS=ef the upload
#      and cone-search parts)
#      BENCH_STORAGE_ENV (e.g. "MERIDIAN_STORAGE__CONCURRENCY=8 MERIDIAN_STORAGE__PART_SIZE=16777216")
#      BENCH_UPLOAD_MIB (1024)  BENCH_AWS (an aws binary; default: a venv)  BENCH_VENV (target/bench/venv)
#      BENCH_CONE_FILES (1000000)  BENCH_CONE_REQUESTS (1000)  SEED_BIN (a built seed_files example)
#      BENCH_PKG_FILES (8)  BENCH_PKG_MIB (256, per file)  BENCH_SIA_REQUESTS (1000)  BENCH_SIA_ROWS (100000)
#   i. (opt-in) `meridian upload` of BENCH_MANY_FILES (200) files of BENCH_MANY_MIB (8) MiB to SeaweedFS through a
#      server (parts straight to S3 by presigned URL) against `aws s3 cp --recursive` of the same directory
# Everything stays on 127.0.0.1; every wait is bounded; the server is killed on exit whatever happens.
set -Eeuo pipefail   # -E: the ERR trap below also reports failures inside functions

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${SERVER_BIN:-$REPO/target/release/meridian}
[[ $BIN == /* ]] || BIN=$PWD/$BIN
PORT=${BENCH_PORT:-18080}
ADDR=127.0.0.1:$PORT
RUNS=${BENCH_RUNS:-5}
DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PG_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:55432/meridian}
BENCH_DB=meridian_bench
OUT_DIR=$REPO/target/bench
PARTS=${BENCH_PARTS:-abcd}
READY_TIMEOUT_MS=30000

# The server reads every MERIDIAN_* variable (and rejects unknown ones): start it from a clean slate so that a
# developer's shell cannot change what is measured.
SERVER_LOG_FILTER=${BENCH_LOG:-}
for v in $(compgen -e); do if [[ $v == MERIDIAN_* ]]; then unset "$v"; fi; done

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $(( t / 1000 )); }

if [[ ! -x $BIN ]]; then
  log "no release build at $BIN"
  log "build it first:  cargo build --release -p meridian-server   (or point SERVER_BIN at a binary)"
  exit 2
fi
command -v curl >/dev/null || die "curl is needed"

TMP=$(mktemp -d -t meridian-bench.XXXXXX)
SERVER_PID=; SAMPLER_PID=; LOAD_PID=; DB_CREATED=0; READY_MS=; UP_BUCKET=; AWS=; S3=(); S3_SERVER_ENV=()

stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
cleanup() {
  [[ -n $LOAD_PID ]] && kill "$LOAD_PID" 2>/dev/null   # timeout(1) passes the signal on to the generator
  [[ -n $SAMPLER_PID ]] && kill "$SAMPLER_PID" 2>/dev/null || true
  stop_server
  if (( DB_CREATED )); then
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [[ -n $UP_BUCKET && -n $AWS ]]; then
    "$AWS" --endpoint-url "$S3_ENDPOINT" s3 rb --force "s3://$UP_BUCKET" >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'log "failed at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

start_server() {  # start_server LOGFILE [ENV=VAL...] -- ARGS... : sets SERVER_PID
  local logfile=$1; shift
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done; shift
  [[ -n $SERVER_LOG_FILTER ]] && envs+=("MERIDIAN_LOG=$SERVER_LOG_FILTER")
  port_busy && die "something already listens on $ADDR (set BENCH_PORT)"
  env "${envs[@]}" "$BIN" serve --bind "$ADDR" "$@" >"$logfile" 2>&1 &
  SERVER_PID=$!
}

# Sets READY_MS. Not a function printing its result: run in $(...) its PIDs would live in a subshell, out of
# reach of the exit trap.
wait_ready() {  # wait_ready T0_MS LOGFILE : READY_MS = ms from T0 to the first 200 from /readyz
  local t0=$1 logfile=$2 code
  while :; do
    code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://$ADDR/readyz" || true)
    [[ $code == 200 ]] && { READY_MS=$(( $(now_ms) - t0 )); return 0; }
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then tail -n 20 "$logfile" >&2; die "the server exited before it was ready"; fi
    (( $(now_ms) - t0 > READY_TIMEOUT_MS )) && { tail -n 20 "$logfile" >&2; die "not ready after ${READY_TIMEOUT_MS} ms"; }
    sleep 0.005
  done
}

stats() {  # stats N... : "min median max" (median of an even count is the mean of the middle two)
  local sorted n
  mapfile -t sorted < <(printf '%s\n' "$@" | sort -n)
  n=${#sorted[@]}
  local median=${sorted[n/2]}
  (( n % 2 == 0 )) && median=$(( (sorted[n/2-1] + sorted[n/2]) / 2 ))
  echo "${sorted[0]} $median ${sorted[n-1]}"
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

json_field() {  # json_field FIELD < JSON
  if command -v jq >/dev/null; then jq -r ".$1"
  else python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; fi
}

# ------------------------------------------------------------------------------------- a. cold start (SQLite)

cold_start() {  # cold_start DATA_DIR : one measured start (READY_MS), server stopped again afterwards
  local t0; t0=$(now_ms)
  start_server "$TMP/cold.log" -- --data-dir "$1"
  wait_ready "$t0" "$TMP/cold.log"
  stop_server
}

fresh_min=n/a fresh_med=n/a fresh_max=n/a mig_min=n/a mig_med=n/a mig_max=n/a
cold_starts() {
log "a. cold start on the embedded default, $RUNS runs each"
fresh=()
for i in $(seq "$RUNS"); do
  cold_start "$TMP/fresh-$i/data"; fresh+=("$READY_MS")
  log "   fresh data dir, run $i: ${fresh[-1]} ms"
done
# Migrations applied ahead, so the difference to the fresh runs is what migrating costs at first start.
"$BIN" migrate --data-dir "$TMP/migrated/data" >"$TMP/migrate.log" 2>&1 || { cat "$TMP/migrate.log" >&2; die "migrate failed"; }
migrated=()
for i in $(seq "$RUNS"); do
  cold_start "$TMP/migrated/data"; migrated+=("$READY_MS")
  log "   migrated data dir, run $i: ${migrated[-1]} ms"
done
read -r fresh_min fresh_med fresh_max < <(stats "${fresh[@]}")
read -r mig_min mig_med mig_max < <(stats "${migrated[@]}")
}
[[ $PARTS == *a* ]] && cold_starts

# ------------------------------------------------------------------------------- b/c. load and memory on PostgreSQL

TOOL=; TOOL_VERSION=; rps=n/a; p50=n/a; p99=n/a; total=n/a; errors=n/a; rss_idle=n/a; rss_peak=n/a
me_rps=n/a; me_p50=n/a; me_p99=n/a; me_total=n/a; me_errors=n/a
PG_NOTE=

pick_load_tool() {
  if command -v oha >/dev/null; then
    TOOL=oha; TOOL_VERSION=$(oha --version 2>/dev/null | awk 'NR == 1' || true); return
  fi
  log "oha not found; using wrk instead (for oha: cargo install oha --locked)"
  if ! command -v wrk >/dev/null; then
    if (( EUID == 0 )) && command -v apt-get >/dev/null; then
      log "installing wrk (Debian)"
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >"$TMP/apt.log" 2>&1 \
        || { tail -n 20 "$TMP/apt.log" >&2; die "could not install wrk"; }
    else
      die "no load generator: install wrk (apt-get install wrk) or oha (cargo install oha --locked)"
    fi
  fi
  TOOL=wrk; TOOL_VERSION=$(wrk -v 2>&1 | awk 'NR == 1 {print $1, $2}' || true)   # wrk -v exits 1
}

to_ms() {  # to_ms 601.00us|1.23ms|1.05s|2.00m -> milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
    if (f < 0) print "?"; else printf "%.2f", n * f }'
}

# Bash runs a signal's trap only once a foreground child has finished; `wait` on a background one returns at
# once, so Ctrl-C or TERM during the load cleans up without waiting for the load generator.
in_background() { "$@" & LOAD_PID=$!; wait "$LOAD_PID"; local rc=$?; LOAD_PID=; return $rc; }

run_load() {  # run_load URL HEADER [CONNECTIONS] : sets rps p50 p99 total errors
  local url=$1 header=$2 conns=${3:-$CONNECTIONS} limit=$(( DURATION + 30 ))
  if [[ $TOOL == oha ]]; then
    # The JSON switch was renamed across oha releases.
    local fmt=(--output-format json); oha --help 2>&1 | grep -q -- '--output-format' || fmt=(--json)
    in_background timeout "$limit" oha -z "${DURATION}s" -c "$conns" --no-tui "${fmt[@]}" \
      -H "$header" "$url" >"$TMP/load.out" || die "oha failed"
    command -v jq >/dev/null || die "jq is needed to read oha's JSON (apt-get install jq)"
    rps=$(jq -r '.summary.requestsPerSec | . * 10 | round / 10' "$TMP/load.out")
    p50=$(jq -r '.latencyPercentiles.p50 * 1000 | . * 100 | round / 100' "$TMP/load.out")
    p99=$(jq -r '.latencyPercentiles.p99 * 1000 | . * 100 | round / 100' "$TMP/load.out")
    total=$(jq -r '[.statusCodeDistribution[]] | add // 0' "$TMP/load.out")
    errors=$(jq -r '([.statusCodeDistribution | to_entries[] | select(.key != "200") | .value] | add // 0)
                    + ([.errorDistribution[]?] | add // 0)' "$TMP/load.out")
  else
    # One wrk thread per CPU: more only adds contention with the server on a small machine.
    local threads; threads=$(nproc); (( threads > conns )) && threads=$conns
    in_background timeout "$limit" wrk -t "$threads" -c "$conns" -d "${DURATION}s" --latency \
      -H "$header" "$url" >"$TMP/load.out" || die "wrk failed"
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$TMP/load.out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$TMP/load.out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$TMP/load.out")")
    total=$(awk '/requests in/ {print $1}' "$TMP/load.out")
    local non2xx sock
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$TMP/load.out")
    sock=$(awk '/Socket errors:/ { gsub(/,/, ""); for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i }
                END { print n + 0 }' "$TMP/load.out")
    errors=$(( ${non2xx:-0} + ${sock:-0} ))
  fi
  cp "$TMP/load.out" "$OUT_DIR/load-$TOOL-${LOAD_NAME:-me}.out"
}

api() {  # api METHOD PATH BODY [CURL ARGS...] : prints the status; headers in $TMP/h, body in $TMP/b
  local method=$1 path=$2 body=$3 code; shift 3
  code=$(curl -s -m 60 -X "$method" -D "$TMP/h" -o "$TMP/b" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data "$body" "$@" "http://$ADDR$path") || true
  echo "${code:-000}"
}
cookie() { sed -n "s/^[Ss]et-[Cc]ookie: *$1=\([^;]*\).*/\1/p" "$TMP/h" | tr -d '\r' | tail -n1; }
expect_2xx() { [[ $1 == 2?? ]] || { cat "$TMP/b" >&2; echo >&2; die "$2 answered $1"; }; }

MAIL_TIMEOUT_MS=30000
BENCH_EMAIL=bench@meridian.test; BENCH_PASSWORD=bench-password-123
# The token of the newest address-confirmation link in an outbox folder, or nothing. The outbox writes each message
# whole (hidden temporary name, then a rename); quoted-printable soft breaks and `=3D` are undone in case a
# message is ever encoded so.
mail_token() {  # mail_token OUTBOX_DIR
  local f
  f=$(grep -ls 'verify-email?token=' "$1"/*.eml 2>/dev/null | sort | tail -n1) || true
  [[ -n $f ]] || return 0
  tr -d '\r' <"$f" | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' | sed 's/=3D/=/g' \
    | grep -o 'verify-email?token=[A-Za-z0-9_-]*' | head -n1 | sed 's/^.*token=//' || true
}

# Sign-up answers 202 and signs nobody in; API keys need a confirmed address. The servers here run their jobs in
# process (jobs.in_process, true by default; the script clears every MERIDIAN_* variable) and mail to
# <data dir>/outbox (no SMTP is set), so the address is confirmed by following the mailed link, as a person would,
# and then the account signs in. Not in $(...): it sets globals.
sign_up_and_in() {  # sign_up_and_in DATA_DIR LOGFILE : sets SESSION CSRF ACCOUNT_ID and AUTH (curl arguments)
  local data_dir=$1 logfile=$2 code token='' t0
  local creds="\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\""
  code=$(api POST /api/v1/accounts "{$creds,\"display_name\":\"Bench\"}")
  expect_2xx "$code" "sign-up"
  t0=$(now_ms)
  while :; do
    token=$(mail_token "$data_dir/outbox")
    [[ -n $token ]] && break
    if (( $(now_ms) - t0 > MAIL_TIMEOUT_MS )); then
      tail -n 20 "$logfile" >&2
      die "no address-confirmation mail in $data_dir/outbox after $MAIL_TIMEOUT_MS ms"
    fi
    sleep 0.1
  done
  code=$(api POST /api/v1/email-verifications "{\"token\":\"$token\"}")
  expect_2xx "$code" "address confirmation (POST /api/v1/email-verifications)"
  code=$(api POST /api/v1/sessions "{$creds}")
  expect_2xx "$code" "sign-in (POST /api/v1/sessions)"
  SESSION=$(cookie meridian_session); CSRF=$(cookie meridian_csrf)
  [[ -n $SESSION && -n $CSRF ]] || die "sign-in set no session/CSRF cookie"
  ACCOUNT_ID=$(json_field id <"$TMP/b")
  [[ -n $ACCOUNT_ID && $ACCOUNT_ID != null ]] || die "no account id in the sign-in response"
  AUTH=(-H "Cookie: meridian_session=$SESSION; meridian_csrf=$CSRF" -H "X-CSRF-Token: $CSRF")
  log "   signed up, confirmed the address from the mailed link ($(( $(now_ms) - t0 )) ms after sign-up), signed in"
}

pg_available() {
  command -v psql >/dev/null || { PG_NOTE="psql not found"; return 1; }
  psql "$PG_URL" -tAc 'select 1' >/dev/null 2>&1 \
    || { PG_NOTE="PostgreSQL not reachable at $PG_URL (run: infra/devservices.sh start postgres)"; return 1; }
}

load_on_postgres() {
  # A fresh database per run: the numbers must not depend on what earlier runs left behind.
  PGOPTIONS='-c client_min_messages=warning' psql "$PG_URL" -v ON_ERROR_STOP=1 -q \
    -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" \
    -c "CREATE DATABASE $BENCH_DB" >/dev/null
  DB_CREATED=1
  local base=${PG_URL%%\?*}; local query=${PG_URL#"$base"}
  local bench_url=${base%/*}/$BENCH_DB$query

  pick_load_tool
  log "b. load on PostgreSQL: GET /api/v1/me, $CONNECTIONS connections, ${DURATION} s, $TOOL"
  local t0; t0=$(now_ms)
  start_server "$TMP/pg.log" "MERIDIAN_DATABASE_URL=$bench_url" -- --data-dir "$TMP/pg-data"
  wait_ready "$t0" "$TMP/pg.log"
  log "   ready in $READY_MS ms (migrating a fresh database)"
  sleep 1   # let start-up allocations settle before calling it idle
  rss_idle=$(mib "$(rss_kib "$SERVER_PID")")

  local code secret
  sign_up_and_in "$TMP/pg-data" "$TMP/pg.log"
  local auth=("${AUTH[@]}")
  code=$(api POST /api/v1/workspaces '{"slug":"bench-obs","name":"Bench"}' "${auth[@]}")
  expect_2xx "$code" "workspace creation"
  code=$(api POST /api/v1/workspaces/bench-obs/api-keys '{"name":"bench","scope":"read"}' "${auth[@]}")
  expect_2xx "$code" "API key creation"
  secret=$(json_field secret <"$TMP/b")
  [[ -n $secret && $secret != null ]] || die "no secret in the API key response"
  code=$(curl -s -m 10 -o "$TMP/b" -w '%{http_code}' -H "Authorization: Bearer $secret" "http://$ADDR/api/v1/me") || true
  expect_2xx "$code" "GET /api/v1/me with the key"

  # VmRSS covers every worker thread: actix runs them all in this one process.
  local pid=$SERVER_PID
  ( max=0; while kill -0 "$pid" 2>/dev/null; do
      v=$(rss_kib "$pid"); (( v > max )) && { max=$v; echo "$max" >"$TMP/rss-peak"; }
      sleep 0.2
    done ) &
  SAMPLER_PID=$!
  # Time the hypervisor took from this VM during the load (the "steal" column of /proc/stat): on a shared host
  # it explains runs that are slow for reasons outside the program.
  read -r _ s1 s2 s3 s4 s5 s6 s7 s8 _ < /proc/stat; local before_total=$((s1+s2+s3+s4+s5+s6+s7+s8)) before_steal=$s8
  run_load "http://$ADDR/api/v1/me" "Authorization: Bearer $secret"
  me_rps=$rps; me_p50=$p50; me_p99=$p99; me_total=$total; me_errors=$errors
  read -r _ s1 s2 s3 s4 s5 s6 s7 s8 _ < /proc/stat
  steal_pct=$(awk -v d=$((s8 - before_steal)) -v t=$((s1+s2+s3+s4+s5+s6+s7+s8 - before_total)) \
    'BEGIN { if (t > 0) printf "%.1f", 100 * d / t; else print "?" }')
  kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
  rss_peak=$(mib "$(cat "$TMP/rss-peak" 2>/dev/null || echo 0)")
  stop_server
}

# ------------------------------------------------------------------------------- d. observing at scale

q_rps=n/a; q_p50=n/a; q_p99=n/a; q_total=n/a; q_errors=n/a; q_hits=n/a
q4_rps=n/a; q4_p50=n/a; q4_p99=n/a; q1_rps=n/a; q1_p50=n/a; q1_p99=n/a
w_rps=n/a; w_p50=n/a; w_p99=n/a; w_hits=n/a
r_p50=n/a; r_p99=n/a; r_rps=n/a; r_bytes=n/a; r_entries=n/a; seed_ms=n/a
Q_PATH=; W_PATH=

observing_on_postgres() {
  PGOPTIONS='-c client_min_messages=warning' psql "$PG_URL" -v ON_ERROR_STOP=1 -q \
    -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" \
    -c "CREATE DATABASE $BENCH_DB" >/dev/null
  DB_CREATED=1
  local base=${PG_URL%%\?*}; local query=${PG_URL#"$base"}
  local bench_url=${base%/*}/$BENCH_DB$query
  [[ -n $TOOL ]] || pick_load_tool

  log "d. observing at scale on PostgreSQL"
  local t0; t0=$(now_ms)
  start_server "$TMP/obs.log" "MERIDIAN_DATABASE_URL=$bench_url" -- --data-dir "$TMP/obs-data"
  wait_ready "$t0" "$TMP/obs.log"

  local code session secret acct ws site tel1 tel2
  sign_up_and_in "$TMP/obs-data" "$TMP/obs.log"
  acct=$ACCOUNT_ID; session=$SESSION
  local auth=("${AUTH[@]}")
  code=$(api POST /api/v1/workspaces '{"slug":"bench-obs","name":"Bench","visibility":"public"}' "${auth[@]}")
  expect_2xx "$code" "workspace creation"
  ws=$(json_field id <"$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-obs/sites \
    '{"name":"Roque","latitude":28.7606,"longitude":-17.8816,"elevation_m":2396,"time_zone":"UTC"}' "${auth[@]}")
  expect_2xx "$code" "site creation"
  site=$(json_field id <"$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-obs/telescopes "{\"name\":\"T1\",\"site_id\":\"$site\"}" "${auth[@]}")
  expect_2xx "$code" "telescope creation"; tel1=$(json_field id <"$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-obs/telescopes "{\"name\":\"T2\",\"site_id\":\"$site\"}" "${auth[@]}")
  expect_2xx "$code" "telescope creation"; tel2=$(json_field id <"$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-obs/api-keys '{"name":"bench","scope":"read"}' "${auth[@]}")
  expect_2xx "$code" "API key creation"
  secret=$(json_field secret <"$TMP/b")

  log "   seeding 1,000 night logs and 100,000 entries"
  t0=$(now_ms)
  psql "$bench_url" -q -v ws="$ws" -v acct="$acct" -v tel1="$tel1" -v tel2="$tel2" \
    -f "$REPO/infra/bench-observing.sql" >"$TMP/seed.log" 2>&1 || { cat "$TMP/seed.log" >&2; die "seeding failed"; }
  seed_ms=$(( $(now_ms) - t0 ))
  local n; n=$(psql "$bench_url" -tAc 'select count(*) from log_entries')
  [[ $n == 100000 ]] || die "expected 100000 entries, found $n"

  # The filter of the issue: a tag, a month of nights and a word of text.
  Q_PATH="/api/v1/workspaces/bench-obs/entries?tags=wind&night_from=2024-06-01&night_to=2024-06-30&q=wind"
  # The same over every night: the planner cannot lean on the date range.
  W_PATH="/api/v1/workspaces/bench-obs/entries?tags=wind&night_from=2024-01-01&night_to=2025-12-31&q=wind"
  local key=(-H "Authorization: Bearer $secret")
  curl -s -m 30 "${key[@]}" "http://$ADDR$Q_PATH" >"$TMP/q.json"
  q_hits=$(jq '.items | length' "$TMP/q.json")
  curl -s -m 30 "${key[@]}" "http://$ADDR$W_PATH" >"$TMP/w.json"
  w_hits=$(jq '.items | length' "$TMP/w.json")
  (( q_hits > 0 && w_hits > 0 )) || die "the benchmark queries match nothing"

  log "   filtered entry query: $CONNECTIONS connections, ${DURATION} s"
  LOAD_NAME=entries run_load "http://$ADDR$Q_PATH" "Authorization: Bearer $secret"
  q_rps=$rps; q_p50=$p50; q_p99=$p99; q_total=$total; q_errors=$errors
  log "   filtered entry query: 4 connections and 1 connection, ${DURATION} s each"
  LOAD_NAME=entries-4 run_load "http://$ADDR$Q_PATH" "Authorization: Bearer $secret" 4
  q4_rps=$rps; q4_p50=$p50; q4_p99=$p99
  LOAD_NAME=entries-1 run_load "http://$ADDR$Q_PATH" "Authorization: Bearer $secret" 1
  q1_rps=$rps; q1_p50=$p50; q1_p99=$p99
  LOAD_NAME=entries-all-nights run_load "http://$ADDR$W_PATH" "Authorization: Bearer $secret"
  w_rps=$rps; w_p50=$p50; w_p99=$p99

  local log_id; log_id=$(psql "$bench_url" -tAc "select id from night_logs where night = '2024-06-15' limit 1")
  local page="http://$ADDR/w/bench-obs/nights/$log_id"
  code=$(curl -s -m 30 -o "$TMP/page.html" -w '%{http_code}' -H "Cookie: meridian_session=$session" "$page") || true
  [[ $code == 200 ]] || die "the night page answered $code"
  grep -q '(entry 99)' "$TMP/page.html" || die "the night page does not show the night's entries"
  r_bytes=$(stat -c %s "$TMP/page.html")
  r_entries=$(grep -o '(entry [0-9]*)' "$TMP/page.html" | sort -u | wc -l)
  log "   night page render: 1 connection, ${DURATION} s"
  LOAD_NAME=night-page run_load "$page" "Cookie: meridian_session=$session" 1
  r_p50=$p50; r_p99=$p99; r_rps=$rps
  stop_server
}

mkdir -p "$OUT_DIR"
if [[ $PARTS == *b* || $PARTS == *c* ]]; then
  if pg_available; then load_on_postgres; else log "skipping b/c: $PG_NOTE"; fi
fi
if [[ $PARTS == *d* ]]; then
  if pg_available; then observing_on_postgres; else log "skipping d: $PG_NOTE"; fi
fi

# ------------------------------------------------------------------------------- e. streamed upload vs aws s3 cp

up_mib=n/a; up_api_s=n/a; up_api_mibs=n/a; up_aws_s=n/a; up_aws_mibs=n/a; up_ratio=n/a; up_rss_base=n/a
up_rss_peak=n/a; up_rss_growth=n/a

# The AWS CLI in a venv of its own (pip install awscli), made once and kept for later runs.
ensure_awscli() {
  AWS=${BENCH_AWS:-}
  [[ -n $AWS ]] && return 0
  local venv=${BENCH_VENV:-$REPO/target/bench/venv}
  if [[ ! -x $venv/bin/aws ]]; then
    log "   installing the AWS CLI into $venv (pip install awscli)"
    { python3 -m venv "$venv" && "$venv/bin/pip" install -q awscli; } >"$TMP/pip.log" 2>&1 \
      || { tail -n 20 "$TMP/pip.log" >&2; die "could not install the AWS CLI"; }
  fi
  AWS=$venv/bin/aws
}

# s3_bucket NAME: SeaweedFS from devservices, the AWS CLI, and a new bucket for this part. Sets S3 (the aws command
# for it), UP_BUCKET (removed on exit if the part does not) and S3_SERVER_ENV (a server storing there).
s3_bucket() {
  bash "$REPO/infra/devservices.sh" start seaweedfs >"$TMP/devsvc.log" 2>&1 \
    || { tail -n 20 "$TMP/devsvc.log" >&2; die "could not start SeaweedFS"; }
  local line
  while IFS= read -r line; do
    case $line in S3_ENDPOINT=*|AWS_ACCESS_KEY_ID=*|AWS_SECRET_ACCESS_KEY=*|AWS_REGION=*) export "${line?}" ;; esac
  done < <(bash "$REPO/infra/devservices.sh" env 2>/dev/null)
  [[ -n ${S3_ENDPOINT:-} ]] || die "devservices printed no S3_ENDPOINT"
  ensure_awscli
  S3=("$AWS" --endpoint-url "$S3_ENDPOINT" --region "${AWS_REGION:-us-east-1}")
  UP_BUCKET=meridian-bench-$1-$(date +%s)-$$
  "${S3[@]}" s3 mb "s3://$UP_BUCKET" >/dev/null
  S3_SERVER_ENV=(MERIDIAN_STORAGE__BACKEND=s3 "MERIDIAN_STORAGE__BUCKET=$UP_BUCKET" "MERIDIAN_STORAGE__ENDPOINT=$S3_ENDPOINT"
    MERIDIAN_STORAGE__PATH_STYLE=true "MERIDIAN_STORAGE__ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID"
    "MERIDIAN_STORAGE__SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY")
}

upload_vs_awscli() {
  log "e. streamed upload through the API vs aws s3 cp, SeaweedFS"
  s3_bucket up; local s3=("${S3[@]}") bucket=$UP_BUCKET

  up_mib=${BENCH_UPLOAD_MIB:-1024}
  log "   writing $up_mib MiB of random bytes"
  head -c "$(( up_mib * 1024 * 1024 ))" /dev/urandom >"$TMP/upload.bin"

  local t0; t0=$(now_ms)
  local tuning=(); read -r -a tuning <<<"${BENCH_STORAGE_ENV:-}"
  start_server "$TMP/up.log" "${tuning[@]}" "${S3_SERVER_ENV[@]}" -- --data-dir "$TMP/up-data"
  wait_ready "$t0" "$TMP/up.log"

  local code secret ds
  sign_up_and_in "$TMP/up-data" "$TMP/up.log"
  local auth=("${AUTH[@]}")
  code=$(api POST /api/v1/workspaces '{"slug":"bench-up","name":"Bench uploads"}' "${auth[@]}")
  expect_2xx "$code" "workspace creation"
  code=$(api POST /api/v1/workspaces/bench-up/datasets '{"name":"Raw"}' "${auth[@]}")
  expect_2xx "$code" "dataset creation"; ds=$(json_field id <"$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-up/api-keys '{"name":"bench","scope":"upload"}' "${auth[@]}")
  expect_2xx "$code" "API key creation"; secret=$(json_field secret <"$TMP/b")

  # aws s3 cp first (its defaults: 8 MiB parts, 10 at once), then the API, in the same run.
  log "   aws s3 cp, $up_mib MiB"
  t0=$(now_ms)
  "${s3[@]}" s3 cp --only-show-errors "$TMP/upload.bin" "s3://$bucket/awscli/upload.bin" || die "aws s3 cp failed"
  up_aws_s=$(awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN { printf "%.2f", ms / 1000 }')

  sleep 1
  up_rss_base=$(rss_kib "$SERVER_PID")
  local pid=$SERVER_PID
  echo "$up_rss_base" >"$TMP/up-rss-peak"
  ( max=$up_rss_base; while kill -0 "$pid" 2>/dev/null; do
      v=$(rss_kib "$pid"); (( v > max )) && { max=$v; echo "$max" >"$TMP/up-rss-peak"; }
      sleep 0.1
    done ) &
  SAMPLER_PID=$!
  log "   PUT through the API (curl -T), $up_mib MiB"
  t0=$(now_ms)
  # No `Expect: 100-continue`: the body goes at once, as from a browser.
  code=$(curl -s -m 3600 -T "$TMP/upload.bin" -o "$TMP/b" -w '%{http_code}' -H 'Expect:' \
    -H "Authorization: Bearer $secret" -H 'Content-Type: application/octet-stream' \
    "http://$ADDR/api/v1/workspaces/bench-up/datasets/$ds/files/upload.bin") || true
  local ms=$(( $(now_ms) - t0 ))
  kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
  [[ $code == 201 ]] || { cat "$TMP/b" >&2; echo >&2; tail -n 20 "$TMP/up.log" >&2; die "the upload answered $code"; }
  local want got; want=$(sha256sum "$TMP/upload.bin" | cut -d' ' -f1); got=$(json_field sha256 <"$TMP/b")
  [[ $want == "$got" ]] || die "the API stored SHA-256 $got, the file has $want"
  up_api_s=$(awk -v ms="$ms" 'BEGIN { printf "%.2f", ms / 1000 }')
  up_rss_peak=$(cat "$TMP/up-rss-peak")
  up_rss_growth=$(mib $(( up_rss_peak - up_rss_base )))
  up_rss_base=$(mib "$up_rss_base"); up_rss_peak=$(mib "$up_rss_peak")
  up_api_mibs=$(awk -v m="$up_mib" -v s="$up_api_s" 'BEGIN { printf "%.1f", m / s }')
  up_aws_mibs=$(awk -v m="$up_mib" -v s="$up_aws_s" 'BEGIN { printf "%.1f", m / s }')
  up_ratio=$(awk -v a="$up_api_mibs" -v b="$up_aws_mibs" 'BEGIN { printf "%.2f", a / b }')
  log "   API $up_api_mibs MiB/s, aws s3 cp $up_aws_mibs MiB/s, ratio $up_ratio; RSS growth $up_rss_growth MiB"
  stop_server
  rm -f "$TMP/upload.bin"
  "${s3[@]}" s3 rb --force "s3://$bucket" >/dev/null 2>&1 || true
  UP_BUCKET=
}

# ------------------------------------------------------------------------------- f. cone search over 1M files

cone_n=${BENCH_CONE_FILES:-1000000}; cone_requests=${BENCH_CONE_REQUESTS:-1000}
cone_p50=n/a; cone_p90=n/a; cone_p99=n/a; cone_max=n/a; cone_hits=n/a; cone_seed_ms=n/a; cone_errors=n/a

cone_search_on_postgres() {
  PGOPTIONS='-c client_min_messages=warning' psql "$PG_URL" -v ON_ERROR_STOP=1 -q \
    -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" \
    -c "CREATE DATABASE $BENCH_DB" >/dev/null
  DB_CREATED=1
  local base=${PG_URL%%\?*}; local query=${PG_URL#"$base"}
  local bench_url=${base%/*}/$BENCH_DB$query

  # The rows come from a Rust example using meridian_service::data::healpix_of (SEED_BIN, or built here).
  local seed=${SEED_BIN:-}
  if [[ -z $seed ]]; then
    log "f. building the seeding example (cargo build -p meridian-service --example seed_files)"
    (cd "$REPO" && cargo build -q -p meridian-service --example seed_files) || die "could not build seed_files"
    seed=${CARGO_TARGET_DIR:-$REPO/target}/debug/examples/seed_files
  fi
  log "f. cone search on PostgreSQL, $cone_n files"
  local t0; t0=$(now_ms)
  # The SIA requests are anonymous: a visitor's allowance big enough for the run.
  start_server "$TMP/cone.log" "MERIDIAN_DATABASE_URL=$bench_url" MERIDIAN_PUBLIC_BURST=1000000 \
    MERIDIAN_PUBLIC_PER_SECOND=100000 -- --data-dir "$TMP/cone-data"
  wait_ready "$t0" "$TMP/cone.log"
  local code secret acct ws ds
  sign_up_and_in "$TMP/cone-data" "$TMP/cone.log"
  acct=$ACCOUNT_ID
  local auth=("${AUTH[@]}")
  code=$(api POST /api/v1/workspaces '{"slug":"bench-sky","name":"Bench sky"}' "${auth[@]}")
  expect_2xx "$code" "workspace creation"; ws=$(json_field id <"$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-sky/datasets '{"name":"Survey"}' "${auth[@]}")
  expect_2xx "$code" "dataset creation"; ds=$(json_field id <"$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-sky/api-keys '{"name":"bench","scope":"read"}' "${auth[@]}")
  expect_2xx "$code" "API key creation"; secret=$(json_field secret <"$TMP/b")

  log "   seeding $cone_n files (random positions, HEALPix depth 16)"
  t0=$(now_ms)
  "$seed" "$ws" "$ds" "$acct" "$cone_n" >"$TMP/files.csv"
  psql "$bench_url" -v ON_ERROR_STOP=1 -q -c "\\copy data_files (id, workspace_id, dataset_id, name, content_type, \
size_bytes, sha256, object_key, tier, tier_changed_at, uploaded_by, uploaded_at, ra_deg, dec_deg, healpix) \
FROM '$TMP/files.csv' WITH (FORMAT csv)" -c 'ANALYZE data_files' >"$TMP/seed.log" 2>&1 \
    || { cat "$TMP/seed.log" >&2; die "seeding failed"; }
  cone_seed_ms=$(( $(now_ms) - t0 ))
  rm -f "$TMP/files.csv"
  local n; n=$(psql "$bench_url" -tAc 'select count(*) from data_files')
  [[ $n == "$cone_n" ]] || die "expected $cone_n files, found $n"

  # Random centres, uniform on the sphere; one connection, so each time is one request's latency.
  awk -v n="$cone_requests" -v addr="$ADDR" -v seed="${BENCH_SEED:-42}" 'BEGIN { srand(seed); pi = atan2(0, -1)
    for (i = 0; i < n; i++) {
      ra = 360 * rand(); z = 2 * rand() - 1; dec = atan2(z, sqrt(1 - z * z)) * 180 / pi
      printf "url = \"http://%s/api/v1/workspaces/bench-sky/files?ra=%.5f&dec=%.5f&radius=0.5\"\noutput = \"/dev/null\"\n", addr, ra, dec
    } }' >"$TMP/cone-urls.cfg"
  # Warm-up (connection pool, plan cache), not counted.
  head -n 40 "$TMP/cone-urls.cfg" | curl -s -K - -H "Authorization: Bearer $secret" >/dev/null
  log "   $cone_requests cone searches (radius 0.5 deg) at random centres, 1 connection"
  curl -s -m 600 -K "$TMP/cone-urls.cfg" -H "Authorization: Bearer $secret" \
    -w '%{http_code} %{time_total}\n' >"$TMP/cone-times.txt" || die "curl failed"
  cone_errors=$(awk '$1 != 200' "$TMP/cone-times.txt" | wc -l)
  read -r cone_p50 cone_p90 cone_p99 cone_max < <(awk '{print $2 * 1000}' "$TMP/cone-times.txt" | sort -n | awk '
    { v[NR] = $1 } END { i50 = int(NR * 0.50 + 0.5); i90 = int(NR * 0.90 + 0.5); i99 = int(NR * 0.99 + 0.5)
      printf "%.2f %.2f %.2f %.2f\n", v[i50 < 1 ? 1 : i50], v[i90], v[i99], v[NR] }')
  cp "$TMP/cone-times.txt" "$OUT_DIR/cone-times.txt"

  # One query as the server runs it (sea-orm's SQL, with the HEALPix ranges of the cone), EXPLAIN ANALYZEd.
  local ra=150.1 dec=2.2 cond
  curl -s -m 30 -H "Authorization: Bearer $secret" \
    "http://$ADDR/api/v1/workspaces/bench-sky/files?ra=$ra&dec=$dec&radius=0.5&limit=200" >"$TMP/cone.json"
  cone_hits=$(json_items <"$TMP/cone.json")
  cond=$("$seed" --cone "$ra" "$dec" 0.5)
  psql "$bench_url" -v ON_ERROR_STOP=1 -q -c "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM data_files
    WHERE workspace_id = '$ws' AND $cond ORDER BY uploaded_at DESC, id DESC LIMIT 201" >"$OUT_DIR/cone-explain.txt" \
    || die "EXPLAIN failed"
  sia_on_seeded "$bench_url" "${auth[@]}"
  stop_server
}

# SIAv2 over the seeded rows: one real FITS file uploaded and ingested, its header copied to every row (the VO
# services answer ingested images only), the workspace made public and the dataset released.
sia_n=${BENCH_SIA_REQUESTS:-1000}; sia_rows_wanted=${BENCH_SIA_ROWS:-100000}
sia_p50=n/a; sia_p99=n/a; sia_max=n/a; sia_errors=n/a; sia_hits=n/a; sia_rows=n/a; sia_s=n/a; sia_rps=n/a
sia_on_seeded() {  # sia_on_seeded DB_URL AUTH...
  local url=$1; shift
  log "   SIAv2: one ingested header on every row, the workspace public"
  python3 - "$TMP/template.fits" <<'PY'
import sys
cards = [("SIMPLE", "T"), ("BITPIX", "16"), ("NAXIS", "2"), ("NAXIS1", "64"), ("NAXIS2", "64"),
         ("OBJECT", "'Survey field'"), ("DATE-OBS", "'2026-01-10T20:00:00'"), ("EXPTIME", "60.0"),
         ("FILTER", "'V       '"), ("TELESCOP", "'Bench 0.5 m'"), ("INSTRUME", "'Bench cam'"),
         ("XPIXSZ", "3.76"), ("FOCALLEN", "530.0"), ("RA", "150.0"), ("DEC", "2.0")]
head = "".join(f"{k:<8}= {v:>20}".ljust(80) for k, v in cards) + "END".ljust(80)
head = head.ljust((len(head) + 2879) // 2880 * 2880)
data = bytes(64 * 64 * 2).ljust(2880 * 3, b"\0")
open(sys.argv[1], "wb").write(head.encode() + data)
PY
  local code; code=$(curl -s -o "$TMP/b" -w '%{http_code}' -T "$TMP/template.fits" -H 'Expect:' "$@" \
    -H 'Content-Type: application/octet-stream' "http://$ADDR/api/v1/workspaces/bench-sky/datasets/$ds/files/template.fits")
  expect_2xx "$code" "template upload"
  local i
  for i in $(seq 1 300); do
    [[ $(psql "$url" -tAc "select ingest_status from data_files where name = 'template.fits'") == done ]] && break
    sleep 0.1
  done
  psql "$url" -v ON_ERROR_STOP=1 -q -c "UPDATE data_files f SET ingest_status = t.ingest_status,
    header_json = t.header_json, date_obs = t.date_obs, exposure_s = 60, filter = 'V', object = 'Survey field'
    FROM (SELECT ingest_status, header_json, date_obs FROM data_files WHERE name = 'template.fits') t
    WHERE f.header_json IS NULL" -c "UPDATE workspaces SET visibility = 'public' WHERE slug = 'bench-sky'" \
    -c "UPDATE datasets SET release_at = now() - interval '1 day'" -c 'ANALYZE data_files' >/dev/null \
    || die "preparing the rows for SIA failed"
  awk -v n="$sia_n" -v addr="$ADDR" -v seed="${BENCH_SEED:-7}" 'BEGIN { srand(seed); pi = atan2(0, -1)
    for (i = 0; i < n; i++) {
      ra = 360 * rand(); z = 2 * rand() - 1; dec = atan2(z, sqrt(1 - z * z)) * 180 / pi
      printf "url = \"http://%s/vo/bench-sky/sia/query?POS=CIRCLE%%20%.5f%%20%.5f%%200.5&MAXREC=1000\"\noutput = \"/dev/null\"\n", addr, ra, dec
    } }' >"$TMP/sia-urls.cfg"
  head -n 40 "$TMP/sia-urls.cfg" | curl -s -K - >/dev/null
  log "   $sia_n SIAv2 queries (CIRCLE 0.5 deg, MAXREC=1000) at random centres, anonymous, 1 connection"
  curl -s -m 900 -K "$TMP/sia-urls.cfg" -w '%{http_code} %{time_total}\n' >"$TMP/sia-times.txt" || die "curl failed"
  sia_errors=$(awk '$1 != 200' "$TMP/sia-times.txt" | wc -l)
  read -r sia_p50 sia_p99 sia_max < <(awk '{print $2 * 1000}' "$TMP/sia-times.txt" | sort -n | awk '
    { v[NR] = $1 } END { i50 = int(NR * 0.50 + 0.5); i99 = int(NR * 0.99 + 0.5)
      printf "%.2f %.2f %.2f\n", v[i50 < 1 ? 1 : i50], v[i99], v[NR] }')
  sia_hits=$(curl -s "http://$ADDR/vo/bench-sky/sia/query?POS=CIRCLE%20150.1%202.2%200.5" | grep -c '<TR>' || true)
  log "   one streamed answer of up to $sia_rows_wanted rows"
  local t0; t0=$(now_ms)
  curl -s -m 900 -o "$TMP/sia-big.xml" "http://$ADDR/vo/bench-sky/sia/query?MAXREC=$sia_rows_wanted" || die "curl failed"
  local ms=$(( $(now_ms) - t0 ))
  sia_rows=$(grep -o '<TR>' "$TMP/sia-big.xml" | wc -l)
  sia_s=$(awk -v ms="$ms" 'BEGIN { printf "%.2f", ms / 1000 }')
  sia_rps=$(awk -v n="$sia_rows" -v ms="$ms" 'BEGIN { printf "%.0f", n * 1000 / (ms > 0 ? ms : 1) }')
  rm -f "$TMP/sia-big.xml"
}

json_items() {  # json_items < JSON : the length of .items
  if command -v jq >/dev/null; then jq '.items | length'
  else python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))'; fi
}

if [[ $PARTS == *e* ]]; then upload_vs_awscli; fi
if [[ $PARTS == *f* ]]; then
  if pg_available; then cone_search_on_postgres; else log "skipping f: $PG_NOTE"; fi
fi

# ------------------------------------------------------------------------------- g. package archive streaming

pk_files=n/a; pk_mib=n/a; pk_direct_s=n/a; pk_direct_mibs=n/a; pk_tar_s=n/a; pk_tar_mibs=n/a; pk_zip_s=n/a
pk_zip_mibs=n/a; pk_ratio=n/a; pk_rss_base=n/a; pk_rss_peak=n/a; pk_rss_growth=n/a

package_streaming() {
  log "g. package archives streamed through the API vs reading the objects from S3, SeaweedFS"
  s3_bucket pkg; local s3=("${S3[@]}") bucket=$UP_BUCKET

  pk_files=${BENCH_PKG_FILES:-8}; local each=${BENCH_PKG_MIB:-256}
  pk_mib=$(( pk_files * each ))
  local t0; t0=$(now_ms)
  start_server "$TMP/pkg.log" "${S3_SERVER_ENV[@]}" -- --data-dir "$TMP/pkg-data"
  wait_ready "$t0" "$TMP/pkg.log"

  local code secret ds ws pkg i
  sign_up_and_in "$TMP/pkg-data" "$TMP/pkg.log"
  local auth=("${AUTH[@]}")
  code=$(api POST /api/v1/workspaces '{"slug":"bench-pkg","name":"Bench packages"}' "${auth[@]}")
  expect_2xx "$code" "workspace creation"; ws=$(json_field id <"$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-pkg/datasets '{"name":"Frames"}' "${auth[@]}")
  expect_2xx "$code" "dataset creation"; ds=$(json_field id <"$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-pkg/api-keys '{"name":"bench","scope":"write"}' "${auth[@]}")
  expect_2xx "$code" "API key creation"; secret=$(json_field secret <"$TMP/b")
  local keys=()
  for (( i = 0; i < pk_files; i++ )); do
    log "   uploading file $(( i + 1 ))/$pk_files ($each MiB)"
    head -c "$(( each * 1024 * 1024 ))" /dev/urandom >"$TMP/pkg.bin"
    code=$(curl -s -m 3600 -T "$TMP/pkg.bin" -o "$TMP/b" -w '%{http_code}' -H 'Expect:' \
      -H "Authorization: Bearer $secret" -H 'Content-Type: application/octet-stream' \
      "http://$ADDR/api/v1/workspaces/bench-pkg/datasets/$ds/files/frame$i.bin") || true
    [[ $code == 201 ]] || { cat "$TMP/b" >&2; die "upload $i answered $code"; }
    keys+=("ws/$ws/files/$(json_field id <"$TMP/b")")
  done
  rm -f "$TMP/pkg.bin"
  code=$(curl -s -o "$TMP/b" -w '%{http_code}' -H "Authorization: Bearer $secret" -H 'Content-Type: application/json' \
    -d '{"title":"Bench package","licence":"CC0-1.0"}' "http://$ADDR/api/v1/workspaces/bench-pkg/packages")
  expect_2xx "$code" "package creation"; pkg=$(json_field id <"$TMP/b")
  code=$(curl -s -o "$TMP/b" -w '%{http_code}' -H "Authorization: Bearer $secret" -H 'Content-Type: application/json' \
    -d "{\"dataset_id\":\"$ds\"}" "http://$ADDR/api/v1/workspaces/bench-pkg/packages/$pkg/draft/files")
  expect_2xx "$code" "adding the files"
  code=$(curl -s -o "$TMP/b" -w '%{http_code}' -H "Authorization: Bearer $secret" -X POST \
    "http://$ADDR/api/v1/workspaces/bench-pkg/packages/$pkg/versions")
  expect_2xx "$code" "publishing"

  log "   reading the $pk_files objects straight from S3 (aws s3 cp ... -)"
  t0=$(now_ms)
  for k in "${keys[@]}"; do "${s3[@]}" s3 cp --only-show-errors "s3://$bucket/$k" - >/dev/null; done
  pk_direct_s=$(awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN { printf "%.2f", ms / 1000 }')

  sleep 1
  local base; base=$(rss_kib "$SERVER_PID"); local pid=$SERVER_PID
  echo "$base" >"$TMP/pkg-rss-peak"
  ( max=$base; while kill -0 "$pid" 2>/dev/null; do
      v=$(rss_kib "$pid"); (( v > max )) && { max=$v; echo "$max" >"$TMP/pkg-rss-peak"; }
      sleep 0.1
    done ) &
  SAMPLER_PID=$!
  local fmt got want
  want=$(( pk_mib * 1024 * 1024 ))
  for fmt in tar zip; do
    log "   GET archive.$fmt"
    t0=$(now_ms)
    got=$(curl -s -m 3600 -o /dev/null -w '%{http_code} %{size_download}' -H "Authorization: Bearer $secret" \
      "http://$ADDR/api/v1/workspaces/bench-pkg/packages/$pkg/versions/1/archive.$fmt") || true
    [[ ${got%% *} == 200 && ${got##* } -gt $want ]] || die "archive.$fmt answered $got"
    local s; s=$(awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN { printf "%.2f", ms / 1000 }')
    if [[ $fmt == tar ]]; then pk_tar_s=$s; else pk_zip_s=$s; fi
  done
  kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
  local peak; peak=$(cat "$TMP/pkg-rss-peak")
  pk_rss_growth=$(mib $(( peak - base ))); pk_rss_base=$(mib "$base"); pk_rss_peak=$(mib "$peak")
  pk_direct_mibs=$(awk -v m="$pk_mib" -v s="$pk_direct_s" 'BEGIN { printf "%.1f", m / s }')
  pk_tar_mibs=$(awk -v m="$pk_mib" -v s="$pk_tar_s" 'BEGIN { printf "%.1f", m / s }')
  pk_zip_mibs=$(awk -v m="$pk_mib" -v s="$pk_zip_s" 'BEGIN { printf "%.1f", m / s }')
  pk_ratio=$(awk -v a="$pk_tar_mibs" -v b="$pk_direct_mibs" 'BEGIN { printf "%.2f", a / b }')
  log "   tar $pk_tar_mibs MiB/s, zip $pk_zip_mibs MiB/s, direct $pk_direct_mibs MiB/s; RSS growth $pk_rss_growth MiB"
  stop_server
  "${s3[@]}" s3 rb --force "s3://$bucket" >/dev/null 2>&1 || true
  UP_BUCKET=
}

# Defined above the dispatch would be too late: bash reads functions as it reaches them.
if [[ $PARTS == *g* ]]; then package_streaming; fi

# -------------------------------------------------------------------------------------------------- summary

# ------------------------------------------------------------------------------- i. many files: meridian upload

many_n=${BENCH_MANY_FILES:-200}; many_mib=${BENCH_MANY_MIB:-8}
many_aws_s=n/a; many_up_s=n/a; many_ratio=n/a; many_mibs=n/a

many_files_vs_awscli() {
  log "i. meridian upload of $many_n x $many_mib MiB vs aws s3 cp --recursive, SeaweedFS"
  s3_bucket many; local s3=("${S3[@]}") bucket=$UP_BUCKET
  mkdir -p "$TMP/many"
  local i
  for i in $(seq -w 1 "$many_n"); do head -c "$(( many_mib * 1048576 ))" /dev/urandom >"$TMP/many/frame_$i.fits"; done
  local t0; t0=$(now_ms)
  start_server "$TMP/many.log" "${S3_SERVER_ENV[@]}" -- --data-dir "$TMP/many-data"
  wait_ready "$t0" "$TMP/many.log"
  sign_up_and_in "$TMP/many-data" "$TMP/many.log"
  local auth=("${AUTH[@]}") code secret ds
  code=$(api POST /api/v1/workspaces '{"slug":"bench-many","name":"Bench many"}' "${auth[@]}")
  expect_2xx "$code" "workspace creation"
  code=$(api POST /api/v1/workspaces/bench-many/datasets '{"name":"Night"}' "${auth[@]}")
  expect_2xx "$code" "dataset creation"; ds=$(json_field id <"$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-many/api-keys '{"name":"dome","scope":"upload"}' "${auth[@]}")
  expect_2xx "$code" "API key creation"; secret=$(json_field secret <"$TMP/b")

  log "   aws s3 cp --recursive (its defaults: 10 requests at once)"
  t0=$(now_ms)
  "${s3[@]}" s3 cp --recursive --only-show-errors "$TMP/many" "s3://$bucket/awscli/" || die "aws s3 cp failed"
  many_aws_s=$(awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN { printf "%.2f", ms / 1000 }')
  log "   meridian upload --jobs 10"
  t0=$(now_ms)
  MERIDIAN_API_KEY=$secret "$BIN" upload --server "http://$ADDR" --dataset "$ds" --jobs 10 --quiet \
    --state "$TMP/many-state.json" "$TMP"/many/*.fits 2>"$TMP/many-upload.log" \
    || { cat "$TMP/many-upload.log" >&2; die "meridian upload failed"; }
  local ms=$(( $(now_ms) - t0 ))
  many_up_s=$(awk -v ms="$ms" 'BEGIN { printf "%.2f", ms / 1000 }')
  many_mibs=$(awk -v n="$many_n" -v m="$many_mib" -v ms="$ms" 'BEGIN { printf "%.1f", n * m * 1000 / ms }')
  many_ratio=$(awk -v a="$many_aws_s" -v b="$many_up_s" 'BEGIN { printf "%.2f", b / a }')
  grep -q "sent $many_n file(s)" "$TMP/many-upload.log" || { cat "$TMP/many-upload.log" >&2; die "not every file was sent"; }
  stop_server
  rm -rf "$TMP/many"
  "${s3[@]}" s3 rb --force "s3://$bucket" >/dev/null 2>&1 || true
  UP_BUCKET=
}

if [[ $PARTS == *i* ]]; then many_files_vs_awscli; fi

summary() {
  local rev; rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$REPO" diff --quiet HEAD 2>/dev/null || rev="$rev+dirty"
  echo "Meridian benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $rev"
  echo "binary: $BIN ($(du -h --apparent-size "$BIN" | cut -f1)), built $(date -u -r "$BIN" '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -sr)"
  echo "server log filter: ${SERVER_LOG_FILTER:-default}"
  echo
  printf '%-46s %9s %9s %9s\n' "cold start to first 200 from /readyz" min median max
  printf '%-46s %9s %9s %9s\n' "  SQLite, fresh data dir (ms, $RUNS runs)" "$fresh_min" "$fresh_med" "$fresh_max"
  printf '%-46s %9s %9s %9s\n' "  SQLite, migrated data dir (ms, $RUNS runs)" "$mig_min" "$mig_med" "$mig_max"
  echo
  if [[ -n $TOOL ]]; then
    echo "GET /api/v1/me, API key, PostgreSQL: $CONNECTIONS connections, ${DURATION} s, $TOOL_VERSION (same machine)"
  else
    echo "GET /api/v1/me on PostgreSQL: skipped ($PG_NOTE)"
  fi
  printf '%-46s %9s\n' "  requests/s" "$me_rps"
  printf '%-46s %9s\n' "  latency p50 (ms)" "$me_p50"
  printf '%-46s %9s\n' "  latency p99 (ms)" "$me_p99"
  printf '%-46s %9s\n' "  requests / errors (non-2xx, socket)" "$me_total / $me_errors"
  printf '%-46s %9s\n' "  CPU stolen by the host during the load (%)" "${steal_pct:-?}"
  echo
  echo "server RSS (VmRSS of the PostgreSQL-backed server)"
  printf '%-46s %9s\n' "  idle, 1 s after start (MiB)" "$rss_idle"
  printf '%-46s %9s\n' "  peak under the load, 200 ms samples (MiB)" "$rss_peak"
  echo
  echo "observing at scale, PostgreSQL: 1,000 night logs, 100,000 entries (seeded in $seed_ms ms)"
  echo "  filtered entries (tag + 30 nights + text, $q_hits hits): $CONNECTIONS connections, ${DURATION} s"
  printf '%-46s %9s\n' "    requests/s" "$q_rps"
  printf '%-46s %9s\n' "    latency p50 (ms)" "$q_p50"
  printf '%-46s %9s\n' "    latency p99 (ms)  [target < 20]" "$q_p99"
  printf '%-46s %9s\n' "    requests / errors" "$q_total / $q_errors"
  printf '%-46s %9s\n' "    4 connections: requests/s" "$q4_rps"
  printf '%-46s %9s\n' "    4 connections: p50 / p99 (ms)" "$q4_p50 / $q4_p99"
  printf '%-46s %9s\n' "    1 connection: requests/s" "$q1_rps"
  printf '%-46s %9s\n' "    1 connection: p50 / p99 (ms)" "$q1_p50 / $q1_p99"
  echo "  same over all nights (first page of $w_hits)"
  printf '%-46s %9s\n' "    requests/s" "$w_rps"
  printf '%-46s %9s\n' "    latency p50 / p99 (ms)" "$w_p50 / $w_p99"
  echo "  night page, server-side render (100 entries shown: $r_entries, $r_bytes bytes), 1 connection"
  printf '%-46s %9s\n' "    render p50 (ms)" "$r_p50"
  printf '%-46s %9s\n' "    render p99 (ms)" "$r_p99"
  printf '%-46s %9s\n' "    pages/s" "$r_rps"
  if [[ $PARTS == *e* ]]; then
    echo
    echo "streamed upload of $up_mib MiB of random bytes to SeaweedFS (S3), same run, same file"
    printf '%-46s %9s\n' "  PUT through the API, curl -T (s)" "$up_api_s"
    printf '%-46s %9s\n' "  aws s3 cp (s)" "$up_aws_s"
    printf '%-46s %9s\n' "  API throughput (MiB/s)" "$up_api_mibs"
    printf '%-46s %9s\n' "  aws s3 cp throughput (MiB/s)" "$up_aws_mibs"
    printf '%-46s %9s\n' "  ratio API / aws  [target >= 0.8]" "$up_ratio"
    printf '%-46s %9s\n' "  server RSS before the upload (MiB)" "$up_rss_base"
    printf '%-46s %9s\n' "  server RSS peak, 100 ms samples (MiB)" "$up_rss_peak"
    printf '%-46s %9s\n' "  RSS growth  [target < 64] (MiB)" "$up_rss_growth"
  fi
  if [[ $PARTS == *f* ]]; then
    echo
    echo "cone search, PostgreSQL, $cone_n files at random positions (seeded in $cone_seed_ms ms)"
    echo "  $cone_requests requests, radius 0.5 deg, random centres, 1 connection (curl, keep-alive)"
    printf '%-46s %9s\n' "    latency p50 (ms)" "$cone_p50"
    printf '%-46s %9s\n' "    latency p90 (ms)" "$cone_p90"
    printf '%-46s %9s\n' "    latency p99 (ms)  [target < 20]" "$cone_p99"
    printf '%-46s %9s\n' "    latency max (ms)" "$cone_max"
    printf '%-46s %9s\n' "    non-200 answers" "$cone_errors"
    printf '%-46s %9s\n' "    files in the cone at (150.1, 2.2)" "$cone_hits"
    echo "  EXPLAIN ANALYZE of that query:"
    sed 's/^/    /' "$OUT_DIR/cone-explain.txt" 2>/dev/null || echo "    (none)"
    echo "  SIAv2 on the same rows (public, ingested): $sia_n queries, CIRCLE 0.5 deg, MAXREC=1000, 1 connection"
    printf '%-46s %9s\n' "    latency p50 (ms)" "$sia_p50"
    printf '%-46s %9s\n' "    latency p99 (ms)" "$sia_p99"
    printf '%-46s %9s\n' "    latency max (ms)" "$sia_max"
    printf '%-46s %9s\n' "    non-200 answers" "$sia_errors"
    printf '%-46s %9s\n' "    rows in the circle at (150.1, 2.2)" "$sia_hits"
    printf '%-46s %9s\n' "    streamed answer: rows / seconds" "$sia_rows / $sia_s"
    printf '%-46s %9s\n' "    streamed answer: rows/s" "$sia_rps"
  fi
  if [[ $PARTS == *i* ]]; then
    echo
    echo "$many_n files of $many_mib MiB of random bytes to SeaweedFS (S3), same run, same files"
    printf '%-46s %9s\n' "  aws s3 cp --recursive (s)" "$many_aws_s"
    printf '%-46s %9s\n' "  meridian upload --jobs 10 (s)" "$many_up_s"
    printf '%-46s %9s\n' "  meridian upload throughput (MiB/s)" "$many_mibs"
    printf '%-46s %9s\n' "  ratio meridian / aws (wall time)" "$many_ratio"
  fi
  if [[ $PARTS == *g* ]]; then
    echo
    echo "data package of $pk_files files, $pk_mib MiB of random bytes on SeaweedFS (S3), same run"
    printf '%-46s %9s\n' "  objects read straight from S3, aws s3 cp (s)" "$pk_direct_s"
    printf '%-46s %9s\n' "  archive.tar through the API (s)" "$pk_tar_s"
    printf '%-46s %9s\n' "  archive.zip through the API (s)" "$pk_zip_s"
    printf '%-46s %9s\n' "  direct / tar / zip (MiB/s)" "$pk_direct_mibs / $pk_tar_mibs / $pk_zip_mibs"
    printf '%-46s %9s\n' "  ratio tar / direct" "$pk_ratio"
    printf '%-46s %9s\n' "  server RSS before / peak (MiB)" "$pk_rss_base / $pk_rss_peak"
    printf '%-46s %9s\n' "  RSS growth  [target < 64] (MiB)" "$pk_rss_growth"
  fi
}

summary | tee "$OUT_DIR/summary.txt"
log "written to $OUT_DIR/summary.txt (raw load output beside it)"
