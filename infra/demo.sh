#!/usr/bin/env bash
# The README's first command: Meridian as a newcomer should first see it. Builds the browser bundle when it is
# missing or older than the page code (hydrated pages: in-place form submits; ~3 min the first time on 2 cores,
# wasm-bindgen-cli included), then runs `meridian demo` on the embedded default (SQLite and files under ./data,
# no services, no configuration): a seeded public observatory, its sign-in printed, served on
# http://127.0.0.1:8080. Arguments go to `meridian demo` (for example --bind 127.0.0.1:9000).
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=target/site/pkg/meridian_bg.wasm
if [[ ! -f $bundle ]] || [[ -n $(find frontend backend/domain Cargo.lock -newer "$bundle" \( -name '*.rs' -o -name '*.toml' -o -name '*.css' -o -name Cargo.lock \) -print -quit) ]]; then
  echo "[demo] building the browser bundle (bash infra/build-site.sh)" >&2
  # Best effort: without the bundle every page and form still works as plain HTML.
  if ! bash infra/build-site.sh; then
    echo "[demo] the browser bundle could not be built (see above); serving plain HTML pages" >&2
  fi
fi
exec cargo run -p meridian-server -- demo "$@"
