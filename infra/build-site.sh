#!/usr/bin/env bash
# Builds the browser half of the pages: the hydrate crate to wasm, then wasm-bindgen's loader, into
# target/site/pkg (where `meridian serve` looks by default). No cargo-leptos: it would download tools.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [[ "$have" != "$want" ]]; then
  echo "[build-site] installing wasm-bindgen-cli $want (must equal the wasm-bindgen in Cargo.lock)" >&2
  # --locked fails against this registry (its lockfile wants a crate version that is not there).
  cargo install wasm-bindgen-cli --version "$want"
fi
# (Without rustup, as in the image's build stage, the toolchain must already hold the target.)
if command -v rustup >/dev/null; then
  rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
fi

# The `wasm-release` profile (Cargo.toml) trades speed for size: opt-level z, one codegen unit, fat LTO, abort on
# panic. Measured 2026-12-05: 5.8 MB -> 3.4 MB after wasm-opt (gzip 1.83 -> 1.15 MB); the build ~2 min on 2 cores.
cargo build -p meridian-web-hydrate --target wasm32-unknown-unknown --profile wasm-release
mkdir -p target/site/pkg
wasm-bindgen --target web --out-dir target/site/pkg --out-name meridian \
  "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/wasm-release/meridian_web_hydrate.wasm"
# Shrink the bundle further (10.3 MB out of wasm-bindgen -> 3.4 MB) with binaryen's wasm-opt from npm; skipped,
# not fatal, when npm cannot provide it.
if [[ ! -x target/tools/node_modules/.bin/wasm-opt ]]; then
  npm install --silent --no-audit --no-fund --prefix target/tools binaryen@132.0.0 >&2 || true
fi
if [[ -x target/tools/node_modules/.bin/wasm-opt ]]; then
  target/tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    target/site/pkg/meridian_bg.wasm -o target/site/pkg/meridian_bg.wasm.opt
  mv target/site/pkg/meridian_bg.wasm.opt target/site/pkg/meridian_bg.wasm
else
  echo "[build-site] wasm-opt unavailable: the bundle stays unoptimised" >&2
fi
ls -l target/site/pkg >&2
