#!/usr/bin/env bash
# Fuzzes meridian-fits with cargo-fuzz (libFuzzer): the `headers` target (read_headers + summarize) and the
# `preview` target (preview_png), each for a bounded time.
#
#   infra/fuzz-fits.sh [SECONDS_PER_TARGET]     (default 60)
#
# The same as `infra/fuzz.sh SECONDS fits`, which fuzzes the other parsers too and documents the toolchain
# (nightly, or stable with RUSTC_BOOTSTRAP=1), the seed corpus (backend/fits/tests/data; each input's first byte
# picks plain or gzip) and the environment (CARGO_TARGET_DIR, SANITIZER, FUZZ_JOBS, FUZZ_MAX_LEN). Crashes land in
# backend/fits/fuzz/artifacts/<target>/; keep each as a regression test in backend/fits/tests/hostile.rs once fixed.
set -euo pipefail
exec "$(dirname "$0")/fuzz.sh" "${1:-60}" fits
