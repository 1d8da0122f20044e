#!/usr/bin/env bash
# The Python client's tests against a live server: makes (or reuses) a virtual environment under
# ${TMPDIR:-/tmp}/meridian-pyclient-venv, installs the client with its test extra from PyPI, and runs pytest.
# The tests start the built server binary themselves: SERVER_BIN (default
# /var/cache/meridian-ci/target/debug/meridian). Run from anywhere; the exit code is pytest's.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"

venv="${TMPDIR:-/tmp}/meridian-pyclient-venv"
python=${PYTHON:-python3}
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  rm -rf "$venv"
  "$python" -m venv "$venv" || { echo "could not create a virtual environment (install python3-venv)" >&2; exit 1; }
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e 'public-api/python[test]' ||
  { echo "could not install public-api/python[test]" >&2; exit 1; }

export SERVER_BIN="${SERVER_BIN:-/var/cache/meridian-ci/target/debug/meridian}"
"$venv/bin/python" -m pytest public-api/python/tests -q -p no:cacheprovider "$@"
