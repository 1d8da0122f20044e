#!/usr/bin/env bash
# Builds the container image localhost/meridian:<version> with podman:
#   bash infra/container/build.sh [--binary PATH] [--site DIR] [--release]
# Without --binary it uses the debug binary the tests built (CI's smoke test; `--release` builds and packages
# the release binary instead, ~23 min on 2 cores). The base image is made once from Debian packages
# (mmdebstrap) and kept as localhost/meridian-base:bookworm.
# Needs podman, buildah, mmdebstrap and runc (Debian packages); crun does not work on these machines, hence the
# containers.conf below.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
binary=""; site=target/site; release=0
while (( $# )); do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --site) site=$2; shift 2 ;;
    --release) release=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
if [[ -z $binary ]]; then
  if (( release )); then cargo build --release -p meridian-server; binary=$target/release/meridian
  else binary=$target/debug/meridian; fi
fi
[[ -x $binary ]] || { echo "no binary at $binary (cargo build -p meridian-server)" >&2; exit 1; }
[[ -f $site/pkg/meridian.js ]] || { echo "no browser bundle in $site (bash infra/build-site.sh)" >&2; exit 1; }

# Podman's settings for these machines.
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/infra/container/containers.conf}

if ! podman image exists localhost/meridian-base:bookworm; then
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  echo "== base image from Debian packages (mmdebstrap, ~90 s)"
  mmdebstrap --quiet --variant=minbase --include=ca-certificates,tini bookworm "$work/base.tar"
  podman import --quiet "$work/base.tar" localhost/meridian-base:bookworm >/dev/null
fi

ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
cp "$binary" "$ctx/meridian"
strip --strip-debug "$ctx/meridian" 2>/dev/null || true
cp -r "$site" "$ctx/site"
cp infra/container/Containerfile "$ctx/"
echo "== image localhost/meridian:$version"
podman build --quiet --format docker --build-arg VERSION="$version" -t "localhost/meridian:$version" \
  -t localhost/meridian:latest -f "$ctx/Containerfile" "$ctx" >/dev/null
podman image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' localhost/meridian:"$version"
