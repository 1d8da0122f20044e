#!/usr/bin/env bash
# Fuzzes Meridian's parsers of untrusted input with cargo-fuzz (libFuzzer), every target for a bounded time. Not
# part of every CI run: run it by hand or nightly. Three fuzz crates, each its own workspace (not a member of the
# root one) with its own Cargo.lock:
#
#   backend/fits/fuzz        headers (read_headers + summarize), preview (preview_png)
#   backend/domain/fuzz      sky (sexagesimal RA/Dec, latitude, longitude, elevation), header_condition (file
#                            search KEY=value / KEY=lo..hi / KEY>=n), byte_range (HTTP Range), upload_parts (part
#                            sizes and lengths), values (slugs, e-mail, names, tags, links, cursors, ORCID, SPDX,
#                            package paths and keywords), night (night dates, zones, local times in a night)
#   backend/satellites/fuzz  tle, omm_json, omm_csv, omm_xml (the catalog parsers), catalog (Catalog::parse with
#                            SGP4 initialised and every object propagated)
#
#   infra/fuzz.sh [SECONDS_PER_TARGET] [CRATE | CRATE/TARGET ...]     (default 60 s, every target)
#   infra/fuzz.sh 300 satellites domain/sky                           (only these)
#
# The targets assert properties (a parsed RA lies in [0, 360), a byte range inside the file, parts cover a file
# exactly, a TLE's fields are finite and in range, what is printed parses back, ...), so a "crash" is a panic or a
# broken property. Every target runs even when one crashes; the script then exits 1 and prints, per crash, the
# input libFuzzer wrote (CRATE/fuzz/artifacts/TARGET/crash-..., or timeout-/oom-), the log, and how to replay it.
# Once fixed, keep the input as a regression unit test in the crate (backend/fits/tests/hostile.rs,
# backend/satellites/tests/robustness.rs, or the module's tests in backend/domain).
#
# Seed corpora (CRATE/fuzz/corpus/TARGET/seed-*, git-ignored, rewritten each run; what the fuzzer adds stays and
# grows across runs): FITS files from backend/fits/tests/data; TLE files from backend/satellites/tests/data and
# ../shared/data/satellites beside the project root (when present), cut into small pieces; OMM records in each
# format and typical coordinates, header conditions and values written here. Targets that take structured input
# (byte_range, upload_parts, night) start from nothing.
#
# Needs a nightly toolchain (cargo-fuzz passes -Z flags). In order of preference:
#   1. an installed nightly (`cargo +nightly`);
#   2. `rustup toolchain install nightly --profile minimal` (works where rustup's dist server is reachable);
#   3. the pinned stable toolchain with RUSTC_BOOTSTRAP=1, which lets stable rustc accept the -Z flags (checked
#      with 1.95.0 and the default SANITIZER=none: it builds and fuzzes as nightly does).
# cargo-fuzz itself is installed from crates.io if missing.
#
# Environment: CARGO_TARGET_DIR (where to build; default each fuzz crate's own target/, git-ignored; a shared
# directory is fine, the crates' names differ), SANITIZER (default `none`: the crates forbid unsafe code, so
# AddressSanitizer mostly costs speed; set `address` to use it anyway), FUZZ_JOBS (parallel fuzzing jobs per target,
# default 1), FUZZ_MAX_LEN (longest input; default per crate: 32768 for FITS, 16384 for catalogs, 4096 for the
# domain's small parsers).
set -euo pipefail

seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
sanitizer="${SANITIZER:-none}"
jobs="${FUZZ_JOBS:-1}"

if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -eq 0 ]]; then
  echo "usage: infra/fuzz.sh [SECONDS_PER_TARGET] [CRATE | CRATE/TARGET ...]" >&2
  exit 2
fi

declare -A targets=(
  [fits]="headers preview"
  [domain]="sky header_condition byte_range upload_parts values night"
  [satellites]="tle omm_json omm_csv omm_xml catalog"
)
declare -A max_len=([fits]=32768 [domain]=4096 [satellites]=16384)
crates=(fits domain satellites)

# What to run: CRATE/TARGET pairs, from the arguments or everything.
selected=()
if [[ $# -eq 0 ]]; then
  for crate in "${crates[@]}"; do
    for target in ${targets[$crate]}; do selected+=("$crate/$target"); done
  done
else
  for arg in "$@"; do
    crate="${arg%%/*}"
    if [[ -z "${targets[$crate]+x}" ]]; then
      echo "fuzz: unknown crate '$crate' (one of: ${crates[*]})" >&2
      exit 2
    fi
    if [[ "$arg" == */* ]]; then
      target="${arg#*/}"
      if ! [[ " ${targets[$crate]} " == *" $target "* ]]; then
        echo "fuzz: unknown target '$target' of $crate (one of: ${targets[$crate]})" >&2
        exit 2
      fi
      selected+=("$crate/$target")
    else
      for target in ${targets[$crate]}; do selected+=("$crate/$target"); done
    fi
  done
fi

toolchain=()
if cargo +nightly --version >/dev/null 2>&1; then
  toolchain=(+nightly)
elif command -v rustup >/dev/null && rustup toolchain install nightly --profile minimal >/dev/null 2>&1; then
  toolchain=(+nightly)
else
  echo "fuzz: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1" >&2
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

# --- seed corpora -------------------------------------------------------------------------------------------------

# seed DIR NAME TEXT: one seed file.
seed() { printf '%s' "$3" >"$1/seed-$2"; }

# seed_lines DIR PREFIX LINE...: one seed per line.
seed_lines() {
  local dir=$1 prefix=$2 i=0
  shift 2
  for line in "$@"; do
    printf '%s' "$line" >"$dir/seed-$prefix-$i"
    i=$((i + 1))
  done
}

# The TLE files: ours, and the shared test data beside the project when it is there.
tle_files() {
  local dir
  for dir in "$root/backend/satellites/tests/data" "$root/../shared/data/satellites"; do
    [[ -d "$dir" ]] || continue
    find "$dir" -maxdepth 1 -type f \( -iname '*.tle' -o -iname '*.txt' \) | sort
  done
}

# seed_tle DIR: pieces of the TLE files (9 lines every 123 lines: three records of a 3-line file), each twice: first
# byte 0 (as is) and 1 (the target fixes checksums first, which changes nothing in a valid file); and the small
# files whole.
seed_tle() {
  local dir=$1 file name lines start n=0
  while IFS= read -r file; do
    name="$(basename "$file")"
    lines=$(wc -l <"$file")
    for ((start = 1; start <= lines && n < 400; start += 123)); do
      { printf '\0'; sed -n "${start},$((start + 8))p" "$file"; } >"$dir/seed-0-$name-$start"
      { printf '\1'; sed -n "${start},$((start + 8))p" "$file"; } >"$dir/seed-1-$name-$start"
      n=$((n + 1))
    done
  done < <(tle_files)
  while IFS= read -r file; do
    if [[ $(stat -c %s "$file") -le 16384 ]]; then
      { printf '\0'; cat "$file"; } >"$dir/seed-0-whole-$(basename "$file")"
    fi
  done < <(tle_files)
}

omm_json='[{"OBJECT_NAME":"ISS (ZARYA)","OBJECT_ID":"1998-067A","EPOCH":"2022-06-15T23:35:23.889696","MEAN_MOTION":15.50021518,"ECCENTRICITY":0.0004194,"INCLINATION":51.6447,"RA_OF_ASC_NODE":342.5501,"ARG_OF_PERICENTER":242.975,"MEAN_ANOMALY":255.0959,"EPHEMERIS_TYPE":0,"CLASSIFICATION_TYPE":"U","NORAD_CAT_ID":25544,"ELEMENT_SET_NO":999,"REV_AT_EPOCH":34499,"BSTAR":0.00013721,"MEAN_MOTION_DOT":7.389e-5,"MEAN_MOTION_DDOT":0},
{"OBJECT_NAME":"MOLNIYA 1-91","OBJECT_ID":"2004-005A","EPOCH":"2022-06-15T01:02:03Z","MEAN_MOTION":"2.00606139","ECCENTRICITY":"0.7230000","INCLINATION":"63.1","RA_OF_ASC_NODE":"12.5","ARG_OF_PERICENTER":"281.1","MEAN_ANOMALY":"10.2","NORAD_CAT_ID":"A0001","BSTAR":"-1.2E-5","MEAN_MOTION_DOT":"0","MEAN_MOTION_DDOT":"0","MEAN_ELEMENT_THEORY":"SGP4"},
{"OBJECT_NAME":"EDGES","EPOCH":"+262000-06-15T23:35:23.889696+14:00","MEAN_MOTION":20,"ECCENTRICITY":0.9999999,"INCLINATION":180,"RA_OF_ASC_NODE":360,"ARG_OF_PERICENTER":0,"MEAN_ANOMALY":360,"NORAD_CAT_ID":4294967295,"BSTAR":1e300,"MEAN_MOTION_DOT":-1e300,"MEAN_MOTION_DDOT":5e-324,"EPHEMERIS_TYPE":"2"}]'
omm_csv='OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,ARG_OF_PERICENTER,MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT
ISS (ZARYA),1998-067A,2022-06-15T23:35:23.889696,15.50021518,.0004194,51.6447,342.5501,242.975,255.0959,0,U,25544,999,34499,.00013721,7.389e-5,0
"GEO, ""QUOTED""",2010-001A,2022-06-15 12:00:00,1.00270000,.0001000,0.05,80.1,270.0,10.0,0,U,36032,999,4500,0,0,0
'
omm_xml='<?xml version="1.0" encoding="UTF-8"?>
<ndm xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<omm id="CCSDS_OMM_VERS" version="2.0">
<header><CREATION_DATE/><ORIGINATOR/></header>
<body><segment><metadata><OBJECT_NAME>ISS &amp; CO</OBJECT_NAME><OBJECT_ID>1998-067A</OBJECT_ID>
<CENTER_NAME>EARTH</CENTER_NAME><REF_FRAME>TEME</REF_FRAME><TIME_SYSTEM>UTC</TIME_SYSTEM>
<MEAN_ELEMENT_THEORY>SGP4</MEAN_ELEMENT_THEORY></metadata>
<data><meanElements><EPOCH>2022-06-15T23:35:23.889696</EPOCH><MEAN_MOTION>15.50021518</MEAN_MOTION>
<ECCENTRICITY>.0004194</ECCENTRICITY><INCLINATION>51.6447</INCLINATION><RA_OF_ASC_NODE>342.5501</RA_OF_ASC_NODE>
<ARG_OF_PERICENTER>242.9750</ARG_OF_PERICENTER><MEAN_ANOMALY>255.0959</MEAN_ANOMALY></meanElements>
<tleParameters><EPHEMERIS_TYPE>0</EPHEMERIS_TYPE><CLASSIFICATION_TYPE>U</CLASSIFICATION_TYPE>
<NORAD_CAT_ID>25544</NORAD_CAT_ID><ELEMENT_SET_NO>999</ELEMENT_SET_NO><REV_AT_EPOCH>34499</REV_AT_EPOCH>
<BSTAR>.13721E-3</BSTAR><MEAN_MOTION_DOT>.7389E-4</MEAN_MOTION_DOT><MEAN_MOTION_DDOT>0</MEAN_MOTION_DDOT>
</tleParameters></data></segment></body></omm>
<omm id="CCSDS_OMM_VERS" version="2.0"><body><segment><metadata><OBJECT_NAME>NO EPOCH</OBJECT_NAME></metadata>
<data><tleParameters><NORAD_CAT_ID>5</NORAD_CAT_ID></tleParameters></data></segment></body></omm>
</ndm>'

# make_seeds CRATE TARGET DIR
make_seeds() {
  local crate=$1 target=$2 dir=$3 file name
  rm -f "$dir"/seed-*
  case "$crate/$target" in
    fits/*)
      for file in "$root"/backend/fits/tests/data/*; do
        case "$file" in *.json | *.md | *.rst) continue ;; esac
        [[ $(stat -c %s "$file") -le 131072 ]] || continue
        name="$(basename "$file")"
        # The first byte picks plain (even) or gzip (odd: the target compresses the rest).
        { printf '\0'; cat "$file"; } >"$dir/seed-plain-$name"
        { printf '\1'; cat "$file"; } >"$dir/seed-gzip-$name"
      done
      ;;
    domain/sky)
      # Right ascension up to the first newline, declination after it (each parser also reads both and the whole).
      seed_lines "$dir" pair $'05:35:17.3\n-05:23:28' $'5h35m17.3s\n-5d23m28s' $'05 35 17.3\n−05 23 28' \
        $'83.8221\n-5.3911' $'83.8221°\n-5°23′28″' $'5.5881h\n-5°23\'28"' $'23:59:59.99\n+89:59:59.9' \
        $'0\n-90:00:00' $'12:00\n+00:30:00' $'05:35.5\n-0 30 0' $'2396\n28:45:38' $'-17:52:45\n-24 37 38' \
        $'359.9999999\n90' $'5H35M17.3S\n- 05 23 28'
      ;;
    domain/header_condition)
      seed_lines "$dir" cond 'EXPTIME=10..30' 'exptime=..30' 'AIRMASS<=1.5' 'CCD-TEMP>=-20' 'FILTER=R' \
        'OBJECT=M 31' 'HIERARCH ESO DET CHIP TEMP=10..' 'DATE-OBS=2026-11-21T22:05:00' 'GAIN=1e0' 'NAXIS1=4096' \
        'EXPTIME=30..10' 'X=..' '=5' 'BITPIX=-32'
      ;;
    domain/values)
      seed_lines "$dir" value 'la-palma-obs' 'Ann@Example.ORG' 'Observatoire de Haute-Provence' \
        $'Dome, seeing,,ccd-2, \nwind' $'https://jira.example.org/browse/OBS-12\nhttp://weather.example/' \
        'MDE5M2ExYjItMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAx' $'50\nMDE5M2ExYjI' '0000-0002-1694-233X' \
        'https://orcid.org/0000-0002-1825-0097' 'cc-by-4.0' 'LicenseRef-Observatory-Data-1' \
        'raw/2026-11-21/m31_001.fits' $'M31\nm31\nphotometry' 'weather' 'correct horse battery' 'Åsa' 'admin'
      ;;
    satellites/tle)
      seed_tle "$dir"
      ;;
    satellites/omm_json) seed "$dir" json "$omm_json" ;;
    satellites/omm_csv) seed "$dir" csv "$omm_csv" ;;
    satellites/omm_xml) seed "$dir" xml "$omm_xml" ;;
    satellites/catalog)
      seed_tle "$dir"
      # OMM seeds start with the mode byte too (even: as is).
      { printf '\0'; printf '%s' "$omm_json"; } >"$dir/seed-json"
      { printf '\0'; printf '%s' "$omm_csv"; } >"$dir/seed-csv"
      { printf '\0'; printf '%s' "$omm_xml"; } >"$dir/seed-xml"
      ;;
  esac
}

# --- run ----------------------------------------------------------------------------------------------------------

summary=()
failures=()
for entry in "${selected[@]}"; do
  crate="${entry%%/*}"
  target="${entry#*/}"
  fuzz="$root/backend/$crate/fuzz"
  corpus="$fuzz/corpus/$target"
  log="$fuzz/last-run-$target.log"
  mkdir -p "$corpus" "$fuzz/artifacts/$target"
  make_seeds "$crate" "$target" "$corpus"
  echo "fuzz: $crate/$target for ${seconds}s" >&2
  before="$(ls "$fuzz/artifacts/$target")"
  # Built first, so that the time below is fuzzing time.
  if ! (cd "$fuzz" && cargo "${toolchain[@]}" fuzz build "${target_dir[@]}" --sanitizer "$sanitizer" "$target") \
    >"$log" 2>&1; then
    summary+=("$(printf '%-28s FAILED  (did not build: see %s)' "$crate/$target" "$log")")
    failures+=("$crate/$target: did not build; see $log")
    continue
  fi
  started=$SECONDS
  set +e
  (cd "$fuzz" && cargo "${toolchain[@]}" fuzz run "${target_dir[@]}" --sanitizer "$sanitizer" "$target" "$corpus" -- \
    -max_total_time="$seconds" -max_len="${FUZZ_MAX_LEN:-${max_len[$crate]}}" -rss_limit_mb=2048 -timeout=10 \
    "${parallel[@]}" -print_final_stats=1) >>"$log" 2>&1
  status=$?
  set -e
  took=$((SECONDS - started))
  runs="$(grep -oE '^stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)"
  # libFuzzer's own count of the seconds it fuzzed, when it finished normally.
  done_secs="$(sed -nE 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$log" | tail -1)"
  took="${done_secs:-$took}"
  new="$(comm -13 <(printf '%s\n' "$before") <(ls "$fuzz/artifacts/$target") | grep . || true)"
  if [[ $status -eq 0 ]] && ! grep -qE "panicked|ERROR: libFuzzer|SUMMARY: " "$log"; then
    summary+=("$(printf '%-28s ok      %6ss  %12s runs' "$crate/$target" "$took" "${runs:-?}")")
    continue
  fi
  if [[ -z "$new" ]] && ! grep -qE "panicked|ERROR: libFuzzer|SUMMARY: |Test unit written" "$log"; then
    summary+=("$(printf '%-28s FAILED  (did not run: see %s)' "$crate/$target" "$log")")
    failures+=("$crate/$target: did not run; see $log")
    continue
  fi
  summary+=("$(printf '%-28s CRASH   %6ss  %12s runs' "$crate/$target" "$took" "${runs:-?}")")
  grep -E "panicked at|^Error: |ERROR: libFuzzer" "$log" | head -5 | sed 's/^/    /' >&2 || true
  for file in $new; do
    replay="cd $fuzz && cargo ${toolchain[*]} fuzz run --sanitizer $sanitizer $target artifacts/$target/$file"
    failures+=("$crate/$target: $fuzz/artifacts/$target/$file (log: $log; replay: $replay)")
  done
  if [[ -z "$new" ]]; then
    failures+=("$crate/$target: see $log")
  fi
done

echo >&2
printf '%s\n' "${summary[@]}" >&2
if [[ ${#failures[@]} -gt 0 ]]; then
  echo >&2
  echo "fuzz: ${#failures[@]} failing target input(s):" >&2
  printf '  %s\n' "${failures[@]}" >&2
  exit 1
fi
