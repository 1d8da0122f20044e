#!/usr/bin/env bash
# bench-scale.sh: what a second `meridian serve` adds, and the container image's size and cold start (issue 19).
#
# Usage: bash infra/bench-scale.sh [--release] [--skip-load] [--skip-image]
#   a. requests per second of GET /api/v1/me (with an API key) and of the filtered night-log entries query
#      (GET /api/v1/workspaces/{slug}/entries with a tag, a month of nights and a word; 100,000 entries seeded by
#      infra/bench-observing.sql, as in infra/bench.sh part d), against 1 and then 2 `meridian serve` processes on
#      one PostgreSQL. One wrk run per measurement, BENCH_CONNECTIONS connections for BENCH_DURATION seconds; with
#      two servers each wrk thread connects to one of them (the connections are split evenly), and each server's
#      access log shows how many requests it served. The servers run no jobs (jobs.in_process = false), as the
#      Helm chart's web pods do.
#   b. the image (infra/container/build.sh with the same binary): its size, and the cold start from `podman run`
#      to the first 200 from /readyz, for the image's first run (`demo`) and for plain `serve` (embedded default).
# Prints a table. The binary is the debug one the tests built ($CARGO_TARGET_DIR/debug/meridian) unless --release
# (then `cargo build --release -p meridian-server` first: ~23 min on 2 cores) or SERVER_BIN; the table says which.
# On a small machine the load generator shares the CPUs with the servers and PostgreSQL: the point is the ratio
# between 1 and 2 servers (nothing serialises between replicas), not the absolute figures.
#
# Env: SERVER_BIN  CARGO_TARGET_DIR (default /var/cache/meridian-ci/target, as CI)  TEST_DATABASE_URL (default:
#      PostgreSQL of infra/devservices.sh, started if it does not answer)  BENCH_PORT (18181; the second server
#      takes BENCH_PORT+1, the image runs on BENCH_PORT+2)  BENCH_DURATION (10)  BENCH_CONNECTIONS (32)
# Everything listens on 127.0.0.1; every wait is bounded; servers, containers and the database are removed on exit.
set -Eeuo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
release=0; do_load=1; do_image=1
while (( $# )); do
  case $1 in
    --release) release=1 ;;
    --skip-load) do_load=0 ;;
    --skip-image) do_image=0 ;;
    -h|--help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
TARGET=${CARGO_TARGET_DIR:-/var/cache/meridian-ci/target}
PORT1=${BENCH_PORT:-18181}; PORT2=$(( PORT1 + 1 )); IMAGE_PORT=$(( PORT1 + 2 ))
DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PG_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:55432/meridian}
BENCH_DB=meridian_bench_scale
READY_TIMEOUT_MS=60000
export CONTAINERS_CONF=${CONTAINERS_CONF:-$REPO/infra/container/containers.conf}

# The servers read every MERIDIAN_* variable (and refuse unknown ones): nothing from the caller's shell.
for v in $(compgen -e); do if [[ $v == MERIDIAN_* ]]; then unset "$v"; fi; done

log() { printf '[bench-scale] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $(( t / 1000 )); }

if [[ -n ${SERVER_BIN:-} ]]; then BIN=$SERVER_BIN; KIND="given ($SERVER_BIN)"
elif (( release )); then
  log "building the release binary (cargo build --release -p meridian-server; ~23 min on 2 cores when stale)"
  (cd "$REPO" && CARGO_TARGET_DIR=$TARGET cargo build --release -p meridian-server)
  BIN=$TARGET/release/meridian; KIND=release
else BIN=$TARGET/debug/meridian; KIND=debug; fi
[[ -x $BIN ]] || die "no binary at $BIN (cargo build -p meridian-server, or --release, or SERVER_BIN)"
for tool in curl jq psql; do command -v "$tool" >/dev/null || die "$tool is needed"; done

TMP=$(mktemp -d -t meridian-bench-scale.XXXXXX)
PIDS=(); LOAD_PID=; DB_CREATED=0; CONTAINER=; OLD_IMAGE=
cleanup() {
  [[ -n $LOAD_PID ]] && kill "$LOAD_PID" 2>/dev/null
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
  [[ -n $CONTAINER ]] && podman rm -f -v -t 2 "$CONTAINER" >/dev/null 2>&1
  if (( DB_CREATED )); then
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'log "failed at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT TERM

# A hard link (or a copy) of the binary: a cargo build replacing it meanwhile changes nothing measured here.
ln "$BIN" "$TMP/meridian" 2>/dev/null || cp "$BIN" "$TMP/meridian"
VERSION=$("$TMP/meridian" --version 2>/dev/null | awk '{print $NF}' || true)
CPUS=$(nproc)
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_ready() {  # wait_ready PORT T0_MS WHAT : READY_MS = ms from T0 to the first 200 from /readyz
  local port=$1 t0=$2 what=$3 code
  while :; do
    code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
    [[ $code == 200 ]] && { READY_MS=$(( $(now_ms) - t0 )); return 0; }
    (( $(now_ms) - t0 > READY_TIMEOUT_MS )) && die "$what: not ready after ${READY_TIMEOUT_MS} ms"
    sleep 0.01
  done
}

start_server() {  # start_server PORT LOGFILE [ENV=VAL...] : appends to PIDS, waits for /readyz
  local port=$1 logfile=$2; shift 2
  port_busy "$port" && die "something already listens on 127.0.0.1:$port (set BENCH_PORT)"
  local t0; t0=$(now_ms)
  env MERIDIAN_DATABASE_URL="$BENCH_URL" MERIDIAN_JOBS__IN_PROCESS=false "$@" \
    "$TMP/meridian" serve --bind "127.0.0.1:$port" --data-dir "$TMP/data-$port" >"$logfile" 2>&1 &
  PIDS+=($!)
  local pid=$!
  while :; do
    if curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/readyz"; then break; fi
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$logfile" >&2; die "the server on port $port exited"; }
    (( $(now_ms) - t0 > READY_TIMEOUT_MS )) && { tail -n 20 "$logfile" >&2; die "port $port: not ready"; }
    sleep 0.05
  done
  wait_ready "$port" "$t0" "server on port $port"
}

busy_ticks() {  # busy_ticks : "busy total" clock ticks of the whole machine (/proc/stat; idle and iowait not busy)
  local _cpu u n sy idle io irq sirq steal _rest
  read -r _cpu u n sy idle io irq sirq steal _rest </proc/stat
  echo "$(( u + n + sy + irq + sirq + steal )) $(( u + n + sy + idle + io + irq + sirq + steal ))"
}

cpu_ticks() {  # cpu_ticks PID... : user + system clock ticks of these processes, summed
  local pid total=0 st
  for pid in "$@"; do
    st=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    st=${st##*) }; read -r -a f <<<"$st"
    total=$(( total + f[11] + f[12] ))   # utime, stime (fields 14 and 15 of stat)
  done
  echo "$total"
}

# ------------------------------------------------------------------------------------------ a. 1 vs 2 servers

# wrk, one thread per server address (thread.addr set in setup: wrk's way to spread one run over hosts).
cat >"$TMP/split.lua" <<'EOF'
local ports = {}
for p in string.gmatch(os.getenv("BENCH_PORTS") or "", "%d+") do ports[#ports + 1] = p end
local n = 0
function setup(thread)
  n = n + 1
  thread.addr = wrk.lookup("127.0.0.1", ports[(n - 1) % #ports + 1])[1]
end
EOF

to_ms() {  # to_ms 601.00us|1.23ms|1.05s -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
    if (f < 0) print "?"; else printf "%.1f", n * f }'
}

declare -A R   # R[name,servers,field]
run_load() {  # run_load NAME PATH LOGKEY PORT... : one wrk run; fills R[NAME,<ports>,rps|p50|p99|errors|cpu|split]
  local name=$1 path=$2 key=$3; shift 3   # key: what each such request's access-log line holds
  local ports=("$@") n=$#
  local threads=$(( CPUS > n ? CPUS : n )); threads=$(( threads / n * n ))   # a multiple of the server count
  local before=() port
  for port in "${ports[@]}"; do before+=("$(grep -cF -- "$key" "$TMP/server-$port.log" || true)"); done
  local c0 m0; c0=$(cpu_ticks "${PIDS[@]}"); m0=$(busy_ticks)
  BENCH_PORTS="${ports[*]}" timeout $(( DURATION + 30 )) wrk -t "$threads" -c "$CONNECTIONS" -d "${DURATION}s" \
    --latency -s "$TMP/split.lua" -H "Authorization: Bearer $SECRET" "http://127.0.0.1:${ports[0]}$path" \
    >"$TMP/wrk-$name-$n.out" 2>&1 &
  LOAD_PID=$!; wait "$LOAD_PID" || { cat "$TMP/wrk-$name-$n.out" >&2; die "wrk failed"; }; LOAD_PID=
  local c1 m1; c1=$(cpu_ticks "${PIDS[@]}"); m1=$(busy_ticks)
  local out=$TMP/wrk-$name-$n.out
  R[$name,$n,rps]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  R[$name,$n,p50]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  R[$name,$n,p99]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  local non2xx sock
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  sock=$(awk '/Socket errors:/ { gsub(/,/, ""); for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i } END { print s + 0 }' "$out")
  R[$name,$n,errors]=$(( ${non2xx:-0} + ${sock:-0} ))
  # The servers' CPU over the run, in cores (100 ticks a second on Linux).
  R[$name,$n,cpu]=$(awk -v t=$(( c1 - c0 )) -v hz="$(getconf CLK_TCK)" -v d="$DURATION" 'BEGIN { printf "%.2f", t / hz / d }')
  # The whole machine's busy share over the run, in cores: servers, PostgreSQL, wrk, and whatever else runs.
  R[$name,$n,busy]=$(awk -v m0="$m0" -v m1="$m1" -v cpus="$CPUS" 'BEGIN { split(m0, a, " "); split(m1, b, " ")
    t = b[2] - a[2]; if (t > 0) printf "%.2f", cpus * (b[1] - a[1]) / t; else print "?" }')
  local split=() i=0
  for port in "${ports[@]}"; do
    split+=("$(( $(grep -cF -- "$key" "$TMP/server-$port.log" || true) - before[i] ))"); i=$(( i + 1 ))
  done
  R[$name,$n,split]=$(IFS=/; echo "${split[*]}")
  log "   $name, $n server(s): ${R[$name,$n,rps]} req/s, p50 ${R[$name,$n,p50]} ms, p99 ${R[$name,$n,p99]} ms," \
      "errors ${R[$name,$n,errors]}, servers' CPU ${R[$name,$n,cpu]} and machine ${R[$name,$n,busy]} of $CPUS cores," \
      "requests per server ${R[$name,$n,split]}"
}

api() {  # api METHOD PATH BODY [CURL ARGS...] : prints the status; headers in $TMP/h, body in $TMP/b
  local method=$1 path=$2 body=$3 code; shift 3
  code=$(curl -s -m 60 -X "$method" -D "$TMP/h" -o "$TMP/b" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data "$body" "$@" "http://127.0.0.1:$PORT1$path") || true
  echo "${code:-000}"
}
cookie() { sed -n "s/^[Ss]et-[Cc]ookie: *$1=\([^;]*\).*/\1/p" "$TMP/h" | tr -d '\r' | tail -n1; }
expect_2xx() { [[ $1 == 2?? ]] || { cat "$TMP/b" >&2; echo >&2; die "$2 answered $1"; }; }

ME_PATH=/api/v1/me
Q_PATH="/api/v1/workspaces/bench-obs/entries?tags=wind&night_from=2024-06-01&night_to=2024-06-30&q=wind"
SEED_MS=n/a; Q_HITS=n/a

load_part() {
  if ! command -v wrk >/dev/null; then
    (( EUID == 0 )) && command -v apt-get >/dev/null || die "wrk is needed (apt-get install wrk)"
    log "installing wrk (Debian)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >"$TMP/apt.log" 2>&1 \
      || { tail -n 20 "$TMP/apt.log" >&2; die "could not install wrk"; }
  fi
  if ! psql "$PG_URL" -tAc 'select 1' >/dev/null 2>&1; then
    [[ -z ${TEST_DATABASE_URL:-} ]] || die "PostgreSQL does not answer at $PG_URL"
    log "starting PostgreSQL (infra/devservices.sh start postgres)"
    bash "$REPO/infra/devservices.sh" start postgres >"$TMP/devsvc.log" 2>&1 \
      || { tail -n 20 "$TMP/devsvc.log" >&2; die "could not start PostgreSQL"; }
  fi
  PGOPTIONS='-c client_min_messages=warning' psql "$PG_URL" -v ON_ERROR_STOP=1 -q \
    -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB" >/dev/null
  DB_CREATED=1
  local base=${PG_URL%%\?*}; local query=${PG_URL#"$base"}
  BENCH_URL=${base%/*}/$BENCH_DB$query

  log "a. 1 and 2 servers on PostgreSQL ($KIND binary), $CONNECTIONS connections, ${DURATION} s per run"
  start_server "$PORT1" "$TMP/server-$PORT1.log"   # migrates the fresh database
  log "   server 1 ready in $READY_MS ms (migrating an empty database)"

  local code session csrf acct ws site tel1 tel2
  local login='{"email":"bench@meridian.test","password":"bench-password-123"}'
  code=$(api POST /api/v1/accounts '{"email":"bench@meridian.test","password":"bench-password-123","display_name":"Bench"}')
  expect_2xx "$code" "sign-up"
  # The address is confirmed in the database instead of by the mailed link (these servers run no jobs, so none is
  # sent): creating API keys needs a confirmed address.
  acct=$(psql "$BENCH_URL" -tAc "UPDATE accounts SET email_verified_at = now() WHERE email = 'bench@meridian.test' RETURNING id" | head -n1)
  [[ -n $acct ]] || die "the signed-up account is not in the database"
  code=$(api POST /api/v1/sessions "$login")
  expect_2xx "$code" "sign-in"
  session=$(cookie meridian_session); csrf=$(cookie meridian_csrf)
  [[ -n $session && -n $csrf ]] || die "sign-in set no session/CSRF cookie"
  local auth=(-H "Cookie: meridian_session=$session; meridian_csrf=$csrf" -H "X-CSRF-Token: $csrf")
  code=$(api POST /api/v1/workspaces '{"slug":"bench-obs","name":"Bench","visibility":"public"}' "${auth[@]}")
  expect_2xx "$code" "workspace creation"; ws=$(jq -r .id "$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-obs/sites \
    '{"name":"Roque","latitude":28.7606,"longitude":-17.8816,"elevation_m":2396,"time_zone":"UTC"}' "${auth[@]}")
  expect_2xx "$code" "site creation"; site=$(jq -r .id "$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-obs/telescopes "{\"name\":\"T1\",\"site_id\":\"$site\"}" "${auth[@]}")
  expect_2xx "$code" "telescope creation"; tel1=$(jq -r .id "$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-obs/telescopes "{\"name\":\"T2\",\"site_id\":\"$site\"}" "${auth[@]}")
  expect_2xx "$code" "telescope creation"; tel2=$(jq -r .id "$TMP/b")
  code=$(api POST /api/v1/workspaces/bench-obs/api-keys '{"name":"bench","scope":"read"}' "${auth[@]}")
  expect_2xx "$code" "API key creation"; SECRET=$(jq -r .secret "$TMP/b")
  [[ -n $SECRET && $SECRET != null ]] || die "no secret in the API key response"

  log "   seeding 1,000 night logs and 100,000 entries (infra/bench-observing.sql)"
  local t0; t0=$(now_ms)
  psql "$BENCH_URL" -q -v ws="$ws" -v acct="$acct" -v tel1="$tel1" -v tel2="$tel2" \
    -f "$REPO/infra/bench-observing.sql" >"$TMP/seed.log" 2>&1 || { cat "$TMP/seed.log" >&2; die "seeding failed"; }
  SEED_MS=$(( $(now_ms) - t0 ))
  code=$(curl -s -m 30 -o "$TMP/q.json" -w '%{http_code}' -H "Authorization: Bearer $SECRET" "http://127.0.0.1:$PORT1$Q_PATH") || true
  expect_2xx "$code" "the entries query"
  Q_HITS=$(jq '.items | length' "$TMP/q.json")
  (( Q_HITS > 0 )) || die "the entries query matches nothing"

  run_load me "$ME_PATH" "GET $ME_PATH " "$PORT1"
  run_load entries "$Q_PATH" "GET ${Q_PATH%%\?*}?" "$PORT1"
  start_server "$PORT2" "$TMP/server-$PORT2.log" MERIDIAN_AUTO_MIGRATE=false
  log "   server 2 ready in $READY_MS ms (database already migrated)"
  code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SECRET" "http://127.0.0.1:$PORT2$ME_PATH") || true
  [[ $code == 200 ]] || die "server 2 does not know the API key made on server 1 ($code)"
  run_load me "$ME_PATH" "GET $ME_PATH " "$PORT1" "$PORT2"
  run_load entries "$Q_PATH" "GET ${Q_PATH%%\?*}?" "$PORT1" "$PORT2"
}

# ------------------------------------------------------------------------------------------ b. the image

IMG_SIZE=n/a; COLD_DEMO=n/a; COLD_SERVE=n/a; IMG_NOTE=
cold_start() {  # cold_start NAME [ARGS...] : READY_MS for `podman run` of the image to the first 200 on /readyz
  local name=meridian-bench-scale-$$-$1; shift
  port_busy "$IMAGE_PORT" && die "something already listens on 127.0.0.1:$IMAGE_PORT (set BENCH_PORT)"
  local t0; t0=$(now_ms)
  CONTAINER=$name
  # (podman's stderr to a file: without systemd it complains about health-check timers on every run)
  podman run -d --name "$name" -p "127.0.0.1:$IMAGE_PORT:8080" localhost/meridian:latest "$@" >/dev/null 2>>"$TMP/podman.log" \
    || { tail -n 5 "$TMP/podman.log" >&2; die "podman run failed"; }
  wait_ready "$IMAGE_PORT" "$t0" "the container $name"
  podman rm -f -v -t 10 "$name" >/dev/null 2>>"$TMP/podman.log"; CONTAINER=   # -v: also /data's anonymous volume
}

image_part() {
  command -v podman >/dev/null || { IMG_NOTE="podman not installed (infra/container/smoke.sh installs it)"; return 0; }
  log "b. the image: infra/container/build.sh with the $KIND binary"
  OLD_IMAGE=$(podman image inspect -f '{{.Id}}' localhost/meridian:latest 2>/dev/null || true)
  local t0; t0=$(now_ms)
  bash "$REPO/infra/container/build.sh" --binary "$TMP/meridian" >"$TMP/build.log" 2>&1 \
    || { tail -n 20 "$TMP/build.log" >&2; die "the image build failed"; }
  log "   built in $(( ($(now_ms) - t0) / 1000 )) s"
  local id; id=$(podman image inspect -f '{{.Id}}' localhost/meridian:latest)
  # The image this one replaced, now without a tag and used by no container: removed (podman refuses otherwise).
  if [[ -n $OLD_IMAGE && $OLD_IMAGE != "$id" ]] \
     && [[ -z $(podman image inspect -f '{{join .RepoTags ","}}' "$OLD_IMAGE" 2>/dev/null) ]]; then
    podman image rm "$OLD_IMAGE" >/dev/null 2>&1 || true
  fi
  IMG_SIZE=$(podman image inspect -f '{{.Size}}' localhost/meridian:latest | awk '{printf "%.0f MB (%.0f MiB)", $1 / 1e6, $1 / 1048576}')
  cold_start demo;  COLD_DEMO=$READY_MS;  log "   first run (demo): ready in $COLD_DEMO ms"
  cold_start serve serve; COLD_SERVE=$READY_MS; log "   serve (empty embedded default): ready in $COLD_SERVE ms"
}

(( do_load )) && load_part
(( do_image )) && image_part

# ------------------------------------------------------------------------------------------ the table

ratio() { awk -v a="${R[$1,1,rps]:-0}" -v b="${R[$1,2,rps]:-0}" 'BEGIN { if (a > 0) printf "x%.2f", b / a; else print "n/a" }'; }
row() {  # row LABEL NAME
  printf '%-34s' "$1"
  local n
  for n in 1 2; do
    printf ' | %7s %7s %7s %6s %5s %5s' "${R[$2,$n,rps]:-n/a}" "${R[$2,$n,p50]:-n/a}" "${R[$2,$n,p99]:-n/a}" \
      "${R[$2,$n,errors]:-n/a}" "${R[$2,$n,cpu]:-n/a}" "${R[$2,$n,busy]:-n/a}"
  done
  printf ' | %6s | %s\n' "$(ratio "$2")" "${R[$2,2,split]:-n/a}"
}
{
  echo
  echo "Meridian $VERSION, $KIND binary; $CPUS CPUs, load average before $START_LOAD"
  if (( do_load )); then
    echo "wrk $(wrk -v 2>&1 | awk 'NR == 1 {print $2}' || true), $CONNECTIONS connections, ${DURATION} s per run;" \
      "PostgreSQL $(psql "$PG_URL" -tAc 'show server_version' 2>/dev/null | awk '{print $1}' || echo '?') on this machine"
    printf '%-34s | %-43s | %-43s | %6s | %s\n' "" "1 server" "2 servers" "2 vs 1" "requests"
    printf '%-34s' "" ; for _ in 1 2; do printf ' | %7s %7s %7s %6s %5s %5s' "req/s" "p50 ms" "p99 ms" "errors" "CPU" "busy"; done
    printf ' | %6s | %s\n' "" "per server"
    row "GET /api/v1/me (API key)" me
    row "entries: tag+month+word ($Q_HITS hits)" entries
    echo "(CPU: the servers' CPU time over the run, in cores; busy: the whole machine's, of $CPUS cores, with PostgreSQL,"
    echo " wrk and anything else running; seeding 100,000 entries took $SEED_MS ms)"
  fi
  if (( do_image )); then
    echo "image localhost/meridian:$VERSION ($KIND binary): ${IMG_SIZE}${IMG_NOTE:+ $IMG_NOTE}"
    echo "cold start, podman run to the first 200 from /readyz: first run (demo) $COLD_DEMO ms, serve $COLD_SERVE ms"
  fi
} | tee "$TMP/table.txt"
