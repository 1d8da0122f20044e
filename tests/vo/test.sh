#!/usr/bin/env bash
# The VO services read by real VO clients: pyvo and astropy (PyPI) against a live `meridian demo`.
# SERVER_BIN: the meridian binary (default: the debug build in CARGO_TARGET_DIR or target/).
set -euo pipefail
cd "$(dirname "$0")"
venv=${TMPDIR:-/tmp}/meridian-vo-venv
if [[ ! -x $venv/bin/pytest ]] || ! "$venv/bin/python" -c 'import pyvo, lxml, astropy' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r requirements.txt
fi
export SERVER_BIN=${SERVER_BIN:-$(realpath "${CARGO_TARGET_DIR:-../../target}/debug/meridian")}
exec "$venv/bin/pytest" -q -p no:cacheprovider "$@" .
