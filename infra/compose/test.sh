#!/usr/bin/env bash
# End-to-end test of the compose stack (compose.yaml) with podman-compose from PyPI:
#   bash infra/compose/test.sh [--no-build] [--keep] [build-images.sh's arguments: --binary PATH, --release, ...]
# Builds the images (build-images.sh; --no-build reuses them), writes an env file with fresh random secrets,
# starts the stack as its own project (meridian-compose-test: its containers and volumes are its own) and checks:
#   - migrate ran and exited 0; web answers /readyz; the health checks of postgres, seaweedfs and web pass;
#   - every socket the stack listens on is bound to 127.0.0.1; web and worker serve /metrics on their metrics ports;
#   - a sign-up's confirmation mail is written by the worker (web runs no jobs), its link confirms the address;
#   - a FITS file uploaded through the API is ingested and previewed by the worker, and its bytes are in the
#     SeaweedFS bucket (read back through S3 and compared by SHA-256);
#   - a pg_dump taken while it runs restores (pg_restore into a scratch database) with the file's row;
#   - web and worker stop on SIGTERM with exit code 0 within their grace periods, then postgres and seaweedfs;
#     the three volumes are exported (the offline backup);
#   - after `podman-compose down` and `up` again, the account, the session, the file and its object are still
#     there (named volumes);
#   - the upgrade path (stop web worker; up -d --force-recreate: migrate, then web and worker) keeps them, and
#     the worker ingests a second upload;
#   - restore: after `down -v`, the exported volumes imported into new ones bring back the state of the backup
#     (the first file and its object, not the second), and `meridian verify --full` passes.
# Then `down -v` (also on failure or Ctrl-C, unless --keep). Every step has a time limit; timings are printed.
# Ports come from .env.example; override any of them in the environment (MERIDIAN_PORT=18090 bash ...).
# COMPOSE_TEST_LOGS=DIR keeps every container's log of every phase (and podman-compose's) in DIR.
# Not part of CI; run it by hand: about a minute with --no-build, a few seconds more with podman's layer cache
# warm (the first PostgreSQL image and the first base image take minutes more). Needs root (rootful podman), podman,
# buildah, mmdebstrap, runc (installed with apt when missing), python3, curl and ss.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CONTAINERS_CONF=${CONTAINERS_CONF:-$root/infra/container/containers.conf}
PODMAN_COMPOSE_VERSION=1.6.0
cache=${MERIDIAN_COMPOSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian-compose}
project=${COMPOSE_TEST_PROJECT:-meridian-compose-test}
compose_file=$root/infra/compose/compose.yaml

build=1; keep=0; build_args=()
while (( $# )); do
  case $1 in
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    *) build_args+=("$1"); shift ;;
  esac
done

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $(( t / 1000 )); }
T0=$(now_ms)
timings=()
mark() { timings+=("$(printf '%-58s %6d ms' "$1" "$(( $(now_ms) - $2 ))")"); }
log() { printf '[compose-test] %s\n' "$*" >&2; }
fail() {
  log "FAILED: $*"
  if podman ps -a -q --filter "label=io.podman.compose.project=$project" | grep -q .; then
    podman ps -a --filter "label=io.podman.compose.project=$project" --format '{{.Names}}  {{.Status}}' >&2 || true
    local c
    for c in $(podman ps -a --format '{{.Names}}' --filter "label=io.podman.compose.project=$project"); do
      printf -- '--- %s (last 15 lines)\n' "$c" >&2
      podman logs --tail 15 "$c" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2 || true
    done
  fi
  exit 1
}
# In this shell only: a command failing inside $(...) is judged by the command that uses its output.
trap 'if [[ $BASHPID == "$$" ]]; then fail "line $LINENO: $BASH_COMMAND"; fi' ERR

# ------------------------------------------------------------------------------------------------ tools
if ! command -v podman >/dev/null || ! command -v mmdebstrap >/dev/null; then
  apt-get update -qq && apt-get install -y -qq podman buildah mmdebstrap runc uidmap >/dev/null
fi
for tool in curl python3 ss; do command -v "$tool" >/dev/null || fail "$tool is needed"; done
t=$(now_ms)
pc=$cache/venv/bin/podman-compose
if ! "$cache/venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("podman-compose") != sys.argv[1])' \
     "$PODMAN_COMPOSE_VERSION" 2>/dev/null; then
  log "installing podman-compose $PODMAN_COMPOSE_VERSION from PyPI into $cache/venv"
  [[ -x $cache/venv/bin/python ]] || python3 -m venv "$cache/venv"
  timeout 300 "$cache/venv/bin/pip" install --quiet "podman-compose==$PODMAN_COMPOSE_VERSION"
fi
mark "podman-compose $PODMAN_COMPOSE_VERSION ready" "$t"

if (( build )); then
  t=$(now_ms)
  log "building the images"
  MERIDIAN_COMPOSE_CACHE=$cache timeout 1800 bash infra/compose/build-images.sh "${build_args[@]}"
  mark "images built (build-images.sh)" "$t"
fi
for image in localhost/meridian:latest localhost/meridian-postgres:15 localhost/meridian-seaweedfs:4.48; do
  podman image exists "$image" || fail "no image $image (run without --no-build)"
done

# ------------------------------------------------------------------------------------------ configuration
work=$(mktemp -d)
hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
env_file=$work/test.env
cp infra/compose/.env.example "$env_file"
set_env() { sed -i "s|^$1=.*|$1=$2|" "$env_file"; grep -q "^$1=" "$env_file" || echo "$1=$2" >>"$env_file"; }
set_env POSTGRES_PASSWORD "$(hex 24)"
set_env S3_ACCESS_KEY "$(hex 12)"
set_env S3_SECRET_KEY "$(hex 24)"
# The caller's overrides (ports, images), then the values every check below reads.
for v in MERIDIAN_PORT POSTGRES_PORT S3_PORT SEAWEEDFS_MASTER_PORT SEAWEEDFS_VOLUME_PORT SEAWEEDFS_FILER_PORT \
         SEAWEEDFS_ADMIN_PORT WEB_METRICS_PORT WORKER_METRICS_PORT MERIDIAN_IMAGE POSTGRES_IMAGE SEAWEEDFS_IMAGE; do
  if [[ -n ${!v:-} ]]; then set_env "$v" "${!v}"; fi
done
getenv() { sed -n "s/^$1=//p" "$env_file" | tail -n1; }
web_port=$(getenv MERIDIAN_PORT)
set_env MERIDIAN_PUBLIC_URL "http://127.0.0.1:$web_port"
base=http://127.0.0.1:$web_port
s3=http://127.0.0.1:$(getenv S3_PORT)
bucket=$(getenv S3_BUCKET)
s3_user="$(getenv S3_ACCESS_KEY):$(getenv S3_SECRET_KEY)"

# podman-compose sees the env file only (the caller's environment would override it).
compose() {
  local secs=$1; shift
  env -i PATH="$PATH" HOME="$HOME" CONTAINERS_CONF="$CONTAINERS_CONF" ${XDG_RUNTIME_DIR:+XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR"} \
    timeout "$secs" "$pc" -p "$project" -f "$compose_file" --env-file "$env_file" "$@" >>"$work/compose.log" 2>&1
}
volumes=("${project}_pgdata" "${project}_seaweedfs-data" "${project}_meridian-data")
cleanup() {
  local rc=$?
  trap - ERR
  if (( keep )); then
    log "--keep: the stack is left running (project $project, env file $env_file)"
    return "$rc"
  fi
  if declare -F save_logs >/dev/null; then save_logs; fi
  if [[ -n ${COMPOSE_TEST_LOGS:-} ]]; then
    mkdir -p "$COMPOSE_TEST_LOGS" && cp -r "$work/logs/." "$work/compose.log" "$COMPOSE_TEST_LOGS/" 2>/dev/null || true
    log "logs in $COMPOSE_TEST_LOGS"
  fi
  compose 180 down -v || true
  # Whatever `down` left (a failed start): only this project's containers, pod and volumes.
  podman ps -a -q --filter "label=io.podman.compose.project=$project" | xargs -r podman rm -f -t 5 >/dev/null 2>&1 || true
  podman pod rm -f "pod_$project" >/dev/null 2>&1 || true
  podman volume rm -f "${volumes[@]}" >/dev/null 2>&1 || true
  rm -rf "$work"
  return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Ports this stack takes (SeaweedFS's servers also take port + 10000): all must be free.
ports=("$web_port" "$(getenv POSTGRES_PORT)" "$(getenv WEB_METRICS_PORT)" "$(getenv WORKER_METRICS_PORT)")
for v in S3_PORT SEAWEEDFS_MASTER_PORT SEAWEEDFS_VOLUME_PORT SEAWEEDFS_FILER_PORT SEAWEEDFS_ADMIN_PORT; do
  ports+=("$(getenv "$v")" "$(( $(getenv "$v") + 10000 ))")
done
for p in "${ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    fail "port $p on 127.0.0.1 is taken (another stack?): choose other ports in the environment (see .env.example)"
  fi
done
if podman ps -a -q --filter "label=io.podman.compose.project=$project" | grep -q .; then
  fail "containers of project $project exist already (a run with --keep?): podman-compose -p $project down -v"
fi

# ------------------------------------------------------------------------------------------------ helpers
# json FILE EXPR: a Python expression over the parsed JSON `d`, printed.
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
jar=$work/cookies
csrf() { if [[ -f $jar ]]; then awk '$6 == "meridian_csrf" { print $7 }' "$jar"; fi; }
# api METHOD PATH [curl args...]: the reply's body into $work/reply, its status printed.
api() {
  local method=$1 path=$2; shift 2
  curl -sS -m 30 -o "$work/reply" -w '%{http_code}' -b "$jar" -c "$jar" -H "X-CSRF-Token: $(csrf)" \
    -X "$method" "$base$path" "$@"
}
expect() {  # expect STATUS METHOD PATH [curl args...]
  local want=$1 got; shift
  got=$(api "$@") || fail "$1 $2: no answer"
  [[ $got == "$want" ]] || fail "$1 $2: HTTP $got, expected $want: $(head -c 400 "$work/reply")"
}
# within SECS CMD...: runs CMD until it succeeds, for at most SECS seconds (by the clock: podman commands can be
# slow while other podman commands hold its locks).
within() { local end=$(( SECONDS + $1 )); shift; until "$@"; do (( SECONDS < end )) || return 1; sleep 0.2; done; }
ready() { curl -fs -m 2 -o /dev/null "$base/readyz"; }
wait_ready() { within 120 ready || fail "/readyz did not answer within 120 s"; }
ctr() { echo "${project}_$1_1"; }
healthy() { podman healthcheck run "$(ctr "$1")" >/dev/null 2>&1; }
# Podman without systemd runs no health-check timers: each check is run here, as `podman healthcheck run` does.
# (SeaweedFS's passes once its volume server has registered: reads fail until then, some seconds after a start.)
wait_healthy() {
  local svc
  for svc in postgres seaweedfs web; do within 60 healthy "$svc" || fail "the health check of $svc does not pass within 60 s"; done
}
logs_of() { podman logs "$(ctr "$1")" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'; }
phase=1
save_logs() {  # before containers go: their logs into $work/logs (kept with COMPOSE_TEST_LOGS)
  local svc
  mkdir -p "$work/logs"
  for svc in postgres seaweedfs migrate web worker; do
    podman container exists "$(ctr "$svc")" && logs_of "$svc" >"$work/logs/$phase-$svc.log" || true
  done
  phase=$(( phase + 1 ))
}
s3_list() { curl -sS -m 30 --aws-sigv4 'aws:amz:us-east-1:s3' --user "$s3_user" "$s3/$bucket?list-type=2"; }
# s3_key ID: the bucket's key of the file with this id (`.../files/ID`).
s3_key() { s3_list | python3 -c 'import re, sys; print(" ".join(k for k in re.findall(r"<Key>([^<]+)</Key>", sys.stdin.read()) if k.endswith("/files/" + sys.argv[1])))' "$1"; }
s3_sha() { curl -sS -m 30 -f --aws-sigv4 'aws:amz:us-east-1:s3' --user "$s3_user" "$s3/$bucket/$1" | sha256sum | cut -d' ' -f1; }
# fits FILE OBJECT: a small FITS image (64 x 48, int16) with a few header cards.
fits() {
  python3 - "$1" "$2" <<'EOF'
import struct, sys
path, obj = sys.argv[1:]
cards = [("SIMPLE", "T"), ("BITPIX", "16"), ("NAXIS", "2"), ("NAXIS1", "64"), ("NAXIS2", "48"),
         ("DATE-OBS", "'2026-01-06T02:10:00'"), ("OBJECT", f"'{obj:<8}'"), ("IMAGETYP", "'Light Frame'"),
         ("EXPTIME", "120.0"), ("FILTER", "'R       '")]
head = "".join((f"{k:<8}= {v}" if v.startswith("'") else f"{k:<8}= {v:>20}").ljust(80) for k, v in cards)
head = (head + "END".ljust(80)).encode()
head = head.ljust(-(-len(head) // 2880) * 2880, b" ")
px = [30000 if (x - 32) ** 2 + (y - 24) ** 2 < 9 else 1000 + (x + y) % 1000 for y in range(48) for x in range(64)]
data = struct.pack(">%dh" % len(px), *px)
data = data.ljust(-(-len(data) // 2880) * 2880, b"\0")
open(path, "wb").write(head + data)
EOF
}
# ingested ID: whether the file's ingest and preview are done (fails the test when either failed).
ingested() {
  expect 200 GET "/api/v1/workspaces/$slug/files/$1"
  st=$(json "$work/reply" 'd["ingest_status"] + "/" + d["preview_status"]')
  [[ $st == failed/* || $st == */failed ]] && fail "file $1: ingest/preview $st: $(json "$work/reply" 'd["ingest_message"]')"
  [[ $st == done/done ]]
}
# upload_and_ingest NAME OBJECT: uploads a FITS file to the dataset, waits for the worker's ingest and preview;
# the file's id in $file_id.
upload_and_ingest() {
  local name=$1 object=$2 t id st
  fits "$work/$name" "$object"
  t=$(now_ms)
  expect 201 PUT "/api/v1/workspaces/$slug/datasets/$dataset/files/$name" \
    -H 'content-type: application/octet-stream' --data-binary "@$work/$name"
  id=$(json "$work/reply" 'd["id"]')
  [[ $(json "$work/reply" 'd["sha256"]') == $(sha256sum "$work/$name" | cut -d' ' -f1) ]] || fail "$name: checksum"
  within 60 ingested "$id" || fail "$name: not ingested within 60 s (ingest/preview $st: is the worker running?)"
  [[ $(json "$work/reply" 'd["object"]') == "$object" ]] || fail "$name: OBJECT not read from the header"
  [[ $(json "$work/reply" 'd["exposure_s"]') == 120.0 ]] || fail "$name: EXPTIME not read from the header"
  mark "upload of $name to ingested + previewed" "$t"
  file_id=$id
}

# ---------------------------------------------------------------------------------------------- first start
log "starting the stack (project $project, web on $base)"
t=$(now_ms)
compose 300 up -d || fail "podman-compose up failed (log: $(tail -n 5 "$work/compose.log"))"
mark "podman-compose up -d (returns after migrate)" "$t"
wait_ready
mark "first start: up -d to /readyz 200" "$t"
ready_body=$(curl -fsS -m 5 "$base/readyz")
[[ $ready_body == *'"ready"'* ]] || fail "/readyz said $ready_body"

# (Podman ran it again, a no-op, when web and worker started: they require it. It may still be at it.)
migrate_done() { [[ $(podman inspect -f '{{.State.Running}}' "$(ctr migrate)") == false ]]; }
within 60 migrate_done || fail "migrate still runs a minute after web started"
[[ $(podman inspect -f '{{.State.Running}} {{.State.ExitCode}}' "$(ctr migrate)") == "false 0" ]] \
  || fail "migrate did not exit 0: $(podman inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$(ctr migrate)")"
logs_of migrate | grep -q 'migrations applied' || fail "migrate did not say 'migrations applied'"
for svc in postgres seaweedfs web worker; do
  [[ $(podman inspect -f '{{.State.Status}}' "$(ctr "$svc")") == running ]] || fail "$svc is not running"
done
wait_healthy
mark "first start: up -d to postgres, seaweedfs, web healthy" "$t"

# Every listening socket of the stack's processes (found by their cgroup) is on 127.0.0.1.
ids=$(podman ps -q --no-trunc --filter "label=io.podman.compose.project=$project")
bound=0
while read -r line; do
  [[ -n $line ]] || continue
  addr=$(awk '{ print $5 }' <<<"$line")
  for pid in $(grep -o 'pid=[0-9]*' <<<"$line" | cut -d= -f2 | sort -u || true); do
    cg=$(cat "/proc/$pid/cgroup" 2>/dev/null || true)
    for id in $ids; do
      if [[ $cg == *"$id"* ]]; then
        bound=$(( bound + 1 ))
        [[ $addr == 127.0.0.1:* ]] || fail "a process of the stack listens on $addr: $line"
      fi
    done
  done
done < <(ss -Hltunp)
(( bound >= 12 )) || fail "found only $bound listening sockets of the stack (cgroups not as expected?)"
log "all $bound listening sockets of the stack are on 127.0.0.1"
# The metrics listeners (MERIDIAN_METRICS__BIND) of web and worker, on 127.0.0.1 (checked just above).
for svc in web worker; do
  mport=$(getenv "${svc^^}_METRICS_PORT")
  scrape=$(curl -fsS -m 5 "http://127.0.0.1:$mport/metrics" || true)   # (not piped into grep -q: SIGPIPE)
  grep -q '^meridian_build_info{' <<<"$scrape" || fail "$svc serves no /metrics on 127.0.0.1:$mport"
done
log "web and worker serve /metrics"

# ------------------------------------------------------------------------------------------ a real workload
email="ada-$(hex 4)@observatory.test"
password="compose $(hex 8)"
slug="obs$(hex 3)"
t=$(now_ms)
expect 202 POST /api/v1/accounts -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\",\"display_name\":\"Ada\"}"
token=""
mailed() {
  token=$(podman exec "$(ctr worker)" bash -c 'cat /data/outbox/*.eml 2>/dev/null' \
          | grep -A30 "^To: $email" | grep -o 'verify-email?token=[0-9a-f]*' | head -n1 | cut -d= -f2 || true)
  [[ -n $token ]]
}
within 60 mailed || fail "no confirmation mail in the worker's outbox within 60 s"
mark "sign-up to confirmation mail written by worker" "$t"
sent() { logs_of worker | grep -q 'kind="send_mail".*job done'; }
within 10 sent || fail "the worker's log shows no send_mail job done"
if logs_of web | grep -q 'job worker started'; then fail "web runs jobs (MERIDIAN_JOBS__IN_PROCESS)"; fi
expect 200 POST /api/v1/email-verifications -H 'content-type: application/json' -d "{\"token\":\"$token\"}"
[[ $(json "$work/reply" 'd["email_verified"]') == True ]] || fail "the address is not confirmed"
expect 201 POST /api/v1/sessions -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}"
expect 201 POST /api/v1/workspaces -H 'content-type: application/json' \
  -d "{\"slug\":\"$slug\",\"name\":\"Compose test observatory\",\"visibility\":\"private\"}"
expect 201 POST "/api/v1/workspaces/$slug/datasets" -H 'content-type: application/json' -d '{"name":"Raw frames"}'
dataset=$(json "$work/reply" 'd["id"]')
upload_and_ingest m42_001.fits "M 42"
file1=$file_id
sha1=$(sha256sum "$work/m42_001.fits" | cut -d' ' -f1)

key=$(s3_key "$file1")
[[ -n $key ]] || fail "no object for file $file1 in bucket $bucket: $(s3_list | head -c 600)"
[[ $(s3_sha "$key") == "$sha1" ]] || fail "the object $key in SeaweedFS differs from the uploaded file"
s3_list | grep -q "previews/$file1" || fail "no preview object in the bucket"
log "file $file1 is in SeaweedFS as $key (SHA-256 equal), with its preview"

# ------------------------------------------------------------------------------------------ online backup
# pg_dump while everything runs, restored into a scratch database of the same server: the file row is there.
t=$(now_ms)
pg=$(ctr postgres)
podman exec "$pg" pg_dump -U postgres --format=custom meridian >"$work/meridian.dump"
podman exec "$pg" createdb -U postgres restore_check
podman exec -i "$pg" pg_restore -U postgres --no-owner --exit-on-error -d restore_check <"$work/meridian.dump"
n=$(podman exec "$pg" psql -U postgres -d restore_check -tAc "SELECT count(*) FROM data_files WHERE id = '$file1'")
podman exec "$pg" dropdb -U postgres restore_check
[[ $n == 1 ]] || fail "the file's row is not in the restored dump"
mark "pg_dump + pg_restore into a scratch database" "$t"

# ---------------------------------------------------------------------------- clean stop and offline backup
t=$(now_ms)
compose 120 stop web worker || fail "podman-compose stop web worker failed"
mark "stop web + worker (SIGTERM)" "$t"
for svc in web worker; do
  st=$(podman inspect -f '{{.State.Running}} {{.State.ExitCode}}' "$(ctr "$svc")")
  [[ $st == "false 0" ]] || fail "$svc after SIGTERM: running, exit code = $st (want false 0)"
done
t=$(now_ms)
compose 120 stop || fail "podman-compose stop failed"
for svc in postgres seaweedfs; do
  st=$(podman inspect -f '{{.State.Running}} {{.State.ExitCode}}' "$(ctr "$svc")")
  [[ $st == "false 0" ]] || fail "$svc after its stop signal: running, exit code = $st (want false 0)"
done
mark "stop postgres + seaweedfs" "$t"
t=$(now_ms)
for v in "${volumes[@]}"; do podman volume export "$v" -o "$work/$v.tar"; done
mark "offline backup: podman volume export x3" "$t"

# --------------------------------------------------------------------------------------- down and up again
save_logs
t=$(now_ms)
compose 180 down || fail "podman-compose down failed"
mark "podman-compose down (volumes kept)" "$t"
if podman ps -a -q --filter "label=io.podman.compose.project=$project" | grep -q .; then fail "containers left after down"; fi
for v in "${volumes[@]}"; do podman volume exists "$v" || fail "volume $v is gone after down"; done

t=$(now_ms)
compose 300 up -d || fail "podman-compose up (second start) failed"
wait_ready
mark "second start: up -d to /readyz 200" "$t"
wait_healthy
mark "second start: up -d to all healthy" "$t"
if logs_of postgres | grep -q 'initialising'; then fail "postgres initialised its data again"; fi
# check_file1: the file, its bytes through the API and its object in SeaweedFS are as uploaded.
check_file1() {
  expect 200 GET "/api/v1/workspaces/$slug/files/$file1"
  [[ $(json "$work/reply" 'd["ingest_status"]') == "done" ]] || fail "$1: the file's ingest state was lost"
  expect 200 GET "/api/v1/workspaces/$slug/files/$file1/content"
  [[ $(sha256sum "$work/reply" | cut -d' ' -f1) == "$sha1" ]] || fail "$1: the file's bytes differ"
  [[ $(s3_sha "$key") == "$sha1" ]] || fail "$1: the object in SeaweedFS differs"
}
# The session from before the restart still works (sessions live in the database).
check_file1 "after down and up"
log "after down and up: account, session, file and object kept"

# -------------------------------------------------------------------------- upgrade: recreate, migrate first
# What an upgrade does after build-images.sh made a new image: every container made again, migrate before web
# and worker. Here the image is the same; the path is what is tested.
save_logs
t=$(now_ms)
compose 120 stop web worker || fail "podman-compose stop web worker failed"
compose 300 up -d --force-recreate || fail "podman-compose up -d --force-recreate failed"
wait_ready
wait_healthy
mark "upgrade path: stop web worker, up --force-recreate, healthy" "$t"
logs_of migrate | grep -q 'migrations applied' || fail "migrate did not run on the recreated stack"
rm -f "$jar"
expect 201 POST /api/v1/sessions -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}"
check_file1 "after the recreation"
upload_and_ingest ngc7000_001.fits "NGC 7000"
file2=$file_id
[[ -n $(s3_key "$file2") ]] || fail "the second file is not in the bucket"
log "after the recreation: data kept, the worker ingested a second file"

# ------------------------------------------------------------------------ restore the offline backup
save_logs
t=$(now_ms)
compose 120 stop web worker || fail "podman-compose stop web worker failed"
compose 180 down -v || fail "podman-compose down -v failed"
for v in "${volumes[@]}"; do
  if podman volume exists "$v"; then fail "volume $v survived down -v"; fi
  podman volume create --label "io.podman.compose.project=$project" --label "com.docker.compose.project=$project" \
    "$v" >/dev/null
  podman volume import "$v" "$work/$v.tar"
done
compose 300 up -d || fail "podman-compose up (restored) failed"
wait_ready
wait_healthy
mark "restore: down -v, volume import x3, up, healthy" "$t"
rm -f "$jar"   # (that session was made after the backup)
expect 201 POST /api/v1/sessions -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}"
check_file1 "after the restore"
expect 404 GET "/api/v1/workspaces/$slug/files/$file2"   # uploaded after the backup
[[ -z $(s3_key "$file2") ]] || fail "the restored bucket holds an object newer than the backup"
t=$(now_ms)
podman exec "$(ctr web)" meridian verify --full >"$work/verify.txt" 2>&1 \
  || fail "meridian verify --full after the restore: $(tail -n 20 "$work/verify.txt")"
mark "meridian verify --full on the restored stack" "$t"
log "restored from the volume backup: the file of before the backup is there, the later one is not; verify --full passes"

mark "whole test" "$T0"
printf '%s\n' "compose stack test passed (podman-compose $PODMAN_COMPOSE_VERSION, $(podman --version)):" "${timings[@]}"
