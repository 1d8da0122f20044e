#!/usr/bin/env bash
# Fuzzes meridian-fits with cargo-fuzz (libFuzzer): the `headers` target (read_headers + summarize) and the
# `preview` target (preview_png), each for a bounded time.
#
#   infra/fuzz-fits.sh [SECONDS_PER_TARGET]     (default 60)
#
# Needs a nightly toolchain (cargo-fuzz passes -Z flags). In order of preference:
#   1. an installed nightly (`cargo +nightly`);
#   2. `rustup toolchain install nightly --profile minimal` (works where rustup's dist server is reachable,
#      as it was on the development machine in November 2026);
#   3. the pinned stable toolchain with RUSTC_BOOTSTRAP=1, which lets stable rustc accept the -Z flags (checked
#      with 1.95.0 and the default SANITIZER=none: it builds and fuzzes as nightly does).
# cargo-fuzz itself is installed from crates.io if missing.
#
# The seed corpus is made from backend/fits/tests/data. Each input's first byte picks plain (even) or gzip (odd:
# the target compresses the rest), so both paths are fuzzed. Crashes land in backend/fits/fuzz/artifacts/<target>/;
# keep each as a regression test in backend/fits/tests/hostile.rs once fixed.
#
# Environment: CARGO_TARGET_DIR (where to build; default backend/fits/fuzz/target), SANITIZER (default `none`:
# the crate forbids unsafe code, so AddressSanitizer mostly costs speed; set `address` to use it anyway),
# FUZZ_JOBS (parallel fuzzing jobs per target, default 1), FUZZ_MAX_LEN (longest input, default 32768: longer inputs
# only add data units, and the card parser under coverage instrumentation makes each exec slower).
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
fuzz="$root/backend/fits/fuzz"
sanitizer="${SANITIZER:-none}"
jobs="${FUZZ_JOBS:-1}"

toolchain=()
if cargo +nightly --version >/dev/null 2>&1; then
  toolchain=(+nightly)
elif command -v rustup >/dev/null && rustup toolchain install nightly --profile minimal >/dev/null 2>&1; then
  toolchain=(+nightly)
else
  echo "fuzz-fits: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1" >&2
  export RUSTC_BOOTSTRAP=1
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

parallel=()
if [[ "$jobs" -gt 1 ]]; then
  parallel=(-jobs="$jobs" -workers="$jobs")
fi

target_dir=()
if [[ -n "${CARGO_TARGET_DIR:-}" ]]; then
  target_dir=(--target-dir "$CARGO_TARGET_DIR")
fi

cd "$fuzz"
for target in headers preview; do
  corpus="corpus/$target"
  mkdir -p "$corpus"
  for file in "$root"/backend/fits/tests/data/*; do
    case "$file" in *.json | *.md | *.rst) continue ;; esac
    [[ $(stat -c %s "$file") -le 131072 ]] || continue
    name="$(basename "$file")"
    { printf '\0'; cat "$file"; } >"$corpus/seed-plain-$name"
    { printf '\1'; cat "$file"; } >"$corpus/seed-gzip-$name"
  done
  echo "fuzz-fits: $target for ${seconds}s" >&2
  cargo "${toolchain[@]}" fuzz run "${target_dir[@]}" --sanitizer "$sanitizer" "$target" "$corpus" -- \
    -max_total_time="$seconds" -max_len="${FUZZ_MAX_LEN:-32768}" -rss_limit_mb=2048 -timeout=10 "${parallel[@]}" \
    -print_final_stats=1 2>&1 | tee "$fuzz/last-run-$target.log" | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+== ERROR|SUMMARY|Done)" || true
  if grep -qE "panicked|ERROR: libFuzzer|SUMMARY: " "$fuzz/last-run-$target.log"; then
    echo "fuzz-fits: $target found a crash; see $fuzz/last-run-$target.log and $fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
