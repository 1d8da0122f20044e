#!/usr/bin/env bash
# soak.sh: a bounded mixed workload against one Meridian on PostgreSQL + SeaweedFS, watching for leaks.
#
#   infra/soak.sh [SECONDS] [USERS]        (default 300 s, 6 users; not a CI step: people run it)
#
# Starts PostgreSQL and SeaweedFS (infra/devservices.sh), a fresh database and bucket, one `meridian serve`
# (SERVER_BIN, default: the debug build, built if missing; a release build is closer to production), and the
# load from backend/server/examples/soak.rs: sign-ins, night-log entries, uploads with downloads checked by
# SHA-256, file searches, entry lists and package archives. Every 5 s it samples the server's RSS, its open file
# descriptors and its PostgreSQL connections. At the end it prints the curve and fails (exit 1) on any request
# error, or when RSS, descriptors or connections kept growing (the last quarter's mean against the second
# quarter's: more than 15 % and 16 MiB of RSS, more than 10 descriptors, more than the pool's size of
# connections). Writes target/soak/samples.tsv and target/soak/summary.txt.
set -Eeuo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_TOTAL=${1:-300}
USERS=${2:-6}
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
BIN=${SERVER_BIN:-$TARGET/debug/meridian}
OUT=$REPO/target/soak
mkdir -p "$OUT"
log() { printf '[soak] %s\n' "$*" >&2; }

for v in $(compgen -e); do if [[ $v == MERIDIAN_* ]]; then unset "$v"; fi; done
bash "$REPO/infra/devservices.sh" install postgres seaweedfs >/dev/null
bash "$REPO/infra/devservices.sh" start postgres seaweedfs >/dev/null
set -a; eval "$(bash "$REPO/infra/devservices.sh" env postgres seaweedfs)"; set +a

if [[ ! -x $BIN ]]; then
  log "building the server (debug)"
  (cd "$REPO" && cargo build -q -p meridian-server)
fi
log "building the load (backend/server/examples/soak.rs)"
(cd "$REPO" && cargo build -q -p meridian-server --example soak)
LOAD=$TARGET/debug/examples/soak

DB=meridian_soak
psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
BUCKET=meridian-soak-$(date +%s)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATA=$(mktemp -d)
POOL=10
export MERIDIAN_DATABASE_URL=${TEST_DATABASE_URL%/*}/$DB MERIDIAN_DATA_DIR=$DATA MERIDIAN_DATABASE_MAX_CONNECTIONS=$POOL
export MERIDIAN_STORAGE__BACKEND=s3 MERIDIAN_STORAGE__BUCKET=$BUCKET MERIDIAN_STORAGE__ENDPOINT=$S3_ENDPOINT
export MERIDIAN_STORAGE__PATH_STYLE=true MERIDIAN_STORAGE__ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
export MERIDIAN_STORAGE__SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY MERIDIAN_LOG=warn
# Every virtual user signs in from 127.0.0.1 again and again: room for that (the limits have their own tests).
export MERIDIAN_LOGIN_BURST=100000 MERIDIAN_SIGNUP_BURST=1000
# The bucket, made through the S3 API by a one-off Python client would need boto3; the server's own tests make
# buckets with the storage crate, and so does `meridian` at start when told to: create it with curl's SigV4.
curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  -X PUT "$S3_ENDPOINT/$BUCKET"

"$BIN" serve --bind "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || { log "the server did not start:"; tail -20 "$OUT/server.log"; exit 1; }

sample() {
  local rss fds conns
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")
  fds=$(find "/proc/$SERVER/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  conns=$(psql -qAt "$TEST_DATABASE_URL" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB'")
  printf '%s\t%s\t%s\t%s\n' "$1" "$((rss / 1024))" "$fds" "$conns"
}
printf 'seconds\trss_mib\tfds\tpg_connections\n' >"$OUT/samples.tsv"
log "load: $USERS users for $SECONDS_TOTAL s against 127.0.0.1:$PORT (PostgreSQL $DB, bucket $BUCKET)"
"$LOAD" "http://127.0.0.1:$PORT" "$SECONDS_TOTAL" "$USERS" >"$OUT/load.txt" 2>&1 &
LOADER=$!
t=0
while kill -0 "$LOADER" 2>/dev/null; do
  sample "$t" >>"$OUT/samples.tsv"
  sleep 5; t=$((t + 5))
done
status=0
wait "$LOADER" || status=1
sample "$t" >>"$OUT/samples.tsv"

python3 - "$OUT/samples.tsv" "$POOL" >"$OUT/summary.txt" <<'EOF' || status=1
import sys
rows = [l.split('\t') for l in open(sys.argv[1]).read().split('\n')[1:] if l.strip()]
pool = int(sys.argv[2])
t = [int(r[0]) for r in rows]; rss = [int(r[1]) for r in rows]; fds = [int(r[2]) for r in rows]; pg = [int(r[3]) for r in rows]
print("seconds  rss MiB  fds  pg connections")
for r in rows:
    print(f"{r[0]:>7}  {r[1]:>7}  {r[2]:>3}  {r[3]:>3}")
n = len(rows)
if n < 8:
    print("too few samples to judge growth (run longer)"); sys.exit(0)
q2 = slice(n // 4, n // 2); q4 = slice(3 * n // 4, n)
mean = lambda xs: sum(xs) / len(xs)
r2, r4 = mean(rss[q2]), mean(rss[q4]); f2, f4 = mean(fds[q2]), mean(fds[q4])
print(f"RSS: start {rss[0]} MiB, second quarter {r2:.1f}, last quarter {r4:.1f}, max {max(rss)} MiB")
print(f"fds: second quarter {f2:.1f}, last quarter {f4:.1f}; PostgreSQL connections max {max(pg)} (pool {pool})")
bad = []
if r4 - r2 > 16 and r4 > r2 * 1.15: bad.append("RSS kept growing")
if f4 - f2 > 10: bad.append("file descriptors kept growing")
if max(pg) > pool + 2: bad.append("more database connections than the pool holds")
print("FLAT" if not bad else "GROWING: " + ", ".join(bad))
sys.exit(1 if bad else 0)
EOF
cat "$OUT/load.txt" "$OUT/summary.txt"
log "samples in $OUT/samples.tsv; server log in $OUT/server.log"
exit $status
