#!/usr/bin/env bash
# CI's image smoke test: packages the binary and browser bundle the tests already built (build.sh), runs the
# image's first run (the embedded default with demo data) on a loopback port, and checks that /readyz answers,
# the pages carry the hydration bundle and serve it, the image's health check passes, and SIGTERM ends it cleanly
# within the grace period. Prints the image size and the cold start to /readyz.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/infra/container/containers.conf}
if ! command -v podman >/dev/null || ! command -v mmdebstrap >/dev/null; then
  apt-get update -qq && apt-get install -y -qq podman buildah mmdebstrap runc uidmap >/dev/null
fi
bash infra/container/build.sh "$@"
name=meridian-smoke-$$
port=$(( 23000 + RANDOM % 2000 ))
cleanup() { podman rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
fail() { echo "image smoke test: $*" >&2; podman logs "$name" 2>&1 | tail -20 >&2; exit 1; }

t0=$(date +%s%N)
podman run -d --name "$name" -p "127.0.0.1:$port:8080" localhost/meridian:latest >/dev/null
for _ in $(seq 1 600); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
  [[ $(podman inspect -f '{{.State.Running}}' "$name") == true ]] || fail "the container exited"
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || fail "/readyz did not answer within 60 s"
cold_ms=$(( ($(date +%s%N) - t0) / 1000000 ))

page=$(curl -fs "http://127.0.0.1:$port/")
grep -q '/pkg/meridian.js' <<<"$page" || fail "the home page does not load the hydration bundle"
curl -fs -o /dev/null "http://127.0.0.1:$port/pkg/meridian_bg.wasm" || fail "the bundle is not served"
pricing=$(curl -fs "http://127.0.0.1:$port/pricing")  # (not piped into grep -q: curl would die of SIGPIPE)
grep -q 'Storage plans' <<<"$pricing" || fail "the pricing page did not render"
# The first run's demo: its observatory, and the satellite check's example (in the shipped catalog's epoch) with
# crossings, answered by the server without JavaScript.
demo=$(curl -fs "http://127.0.0.1:$port/w/demo-observatory")
grep -q 'Demo Observatory' <<<"$demo" || fail "the demo observatory's page did not render"
satellites=$(curl -fs "http://127.0.0.1:$port/satellites")
example=$(grep -o 'id="satellite-example"[^>]*>[^<]*<a href="[^"]*"' <<<"$satellites" | sed 's/.*href="//; s/"$//; s/&amp;/\&/g')
[[ $example == /satellites\?* ]] || fail "the satellite check offers no example"
answer=$(curl -fs "http://127.0.0.1:$port$example")
crossings=$(grep -o 'class="crossing"' <<<"$answer" | wc -l)
(( crossings > 0 )) || fail "the satellite example found no crossings"
healthy=0
for _ in 1 2 3 4 5; do
  if podman healthcheck run "$name" >/dev/null 2>&1; then healthy=1; break; fi
  sleep 1
done
(( healthy )) || fail "the image's health check failed"
[[ $(podman inspect -f '{{.Config.User}}' "$name") == 10001:10001 ]] || fail "not running as the meridian user"

t1=$(date +%s%N)
podman stop -t 20 "$name" >/dev/null
stop_ms=$(( ($(date +%s%N) - t1) / 1000000 ))
code=$(podman inspect -f '{{.State.ExitCode}}' "$name")
[[ $code == 0 ]] || fail "SIGTERM ended it with exit code $code (want 0)"
(( stop_ms < 20000 )) || fail "it took $stop_ms ms to stop (the grace period is 20 s)"
size=$(podman image inspect -f '{{.Size}}' localhost/meridian:latest)
echo "image smoke test passed: $(( size / 1048576 )) MiB, ready in $cold_ms ms, demo example with $crossings crossings, stopped by SIGTERM in $stop_ms ms (exit 0)"
# Each build leaves the previous image untagged; on a machine that keeps its containers storage they add up.
podman image prune -f >/dev/null 2>&1 || true
