#!/usr/bin/env bash
# The whole test suite, as the README's second command: starts the real services it needs (PostgreSQL;
# SeaweedFS, Ceph RGW and moto for object storage; maildev for SMTP; panva oidc-provider for OpenID Connect;
# emulate with our stand-in in front (infra/stripe-standin.mjs) for Stripe;
# Chromium for the page tests), runs every Rust test on SQLite
# with files on the filesystem and again on PostgreSQL with files on SeaweedFS, builds the browser bundle and
# the binary, and runs the page tests in headless Chromium. Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n[test] %s\n' "$*" >&2; }
passed=0; failed=0; status=0
count() {  # count LOGFILE: add nextest's / node's totals
  local p f
  p=$(grep -aoE '[0-9]+ tests? run: [0-9]+ passed' "$1" | tail -1 | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
  f=$(grep -aoE '[0-9]+ failed' "$1" | tail -1 | grep -oE '[0-9]+' || true)
  if [[ -z "$p" ]]; then p=$(grep -aE '^# pass [0-9]+' "$1" | tail -1 | grep -oE '[0-9]+' || true); f=$(grep -aE '^# fail [0-9]+' "$1" | tail -1 | grep -oE '[0-9]+' || true); fi
  # pytest's last line: "3 failed, 12 passed in 4.1s" (or "15 passed in 3.2s").
  if [[ -z "$p" ]]; then
    local last; last=$(grep -aE '[0-9]+ (passed|failed).* in [0-9.]+s' "$1" | tail -1 || true)
    p=$(grep -oE '[0-9]+ passed' <<<"$last" | grep -oE '[0-9]+' || true); f=$(grep -oE '[0-9]+ failed' <<<"$last" | grep -oE '[0-9]+' || true)
  fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
}
run() {  # run NAME CMD...: run, tee to a log, remember failure
  local name=$1; shift
  local out; out=$(mktemp)
  log "$name"
  "$@" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  count "$out"
  if (( rc != 0 )); then status=1; log "$name FAILED (exit $rc)"; fi
}

services=(postgres chromium seaweedfs ceph moto maildev oidc emulate)
bash infra/devservices.sh install "${services[@]}" >/dev/null || { log "could not install the services"; exit 1; }
bash infra/devservices.sh start "${services[@]}" >/dev/null || { log "could not start the services"; exit 1; }
eval "$(bash infra/devservices.sh env | sed 's/^/export /')"

# Every PostgreSQL test makes its own database (a copy of a migrated template) and leaves it: dropped here before
# and after the run, or a machine that runs the suite often fills its disk (about 10 MB each, ~350 a run).
drop_test_databases() {
  psql -qAt "$TEST_DATABASE_URL" -c "SELECT format('DROP DATABASE IF EXISTS %I;', datname) FROM pg_database
    WHERE datname LIKE 'meridian\_test\_%' OR datname LIKE 'meridian\_tpl\_%'" | psql -q "$TEST_DATABASE_URL" >/dev/null
}
drop_test_databases || log "could not drop old test databases (continuing)"

run "Rust tests on SQLite, files on the filesystem" env -u TEST_DATABASE_URL -u S3_ENDPOINT cargo nextest run --no-fail-fast
run "Rust tests on PostgreSQL, files on SeaweedFS" env TEST_DATABASE_URL="$TEST_DATABASE_URL" cargo nextest run --no-fail-fast
drop_test_databases || log "could not drop the test databases"

# The whole API against its OpenAPI document, bounded (under 2 minutes); `bash infra/schemathesis.sh 100` is the
# longer run, by hand.
run "API conformance (Schemathesis, 5 examples per operation)" \
  bash -c 'cargo build -q -p meridian-server && bash infra/schemathesis.sh 5'

log "browser bundle and binary"
if bash infra/build-site.sh && cargo build -p meridian-server; then
  (cd tests/browser && npm ci --no-audit --no-fund --silent) || { status=1; log "npm ci failed"; }
  bin=$(realpath "${CARGO_TARGET_DIR:-target}/debug/meridian")
  run "page tests in headless Chromium" bash -c "cd tests/browser && SERVER_BIN=$bin CHROME_BIN=${CHROME_BIN:-/usr/bin/chromium} npm test --silent"
  # Real clients from PyPI against a live server: pyvo and astropy read the VO services; the Python client's own
  # suite (uploads with interruptions, verified downloads, search to astropy tables, packages).
  run "VO services read by pyvo and astropy" env SERVER_BIN="$bin" bash tests/vo/test.sh
  run "Python client (meridian-client) against a live server" env SERVER_BIN="$bin" bash public-api/python/test.sh
else
  status=1; log "building the site failed"
fi

echo
echo "total: $passed passed, $failed failed"
if (( status != 0 && failed == 0 )); then echo "a step failed outside the test runners (see above)" >&2; fi
exit $status
