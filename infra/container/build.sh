#!/usr/bin/env bash
# Builds the container image localhost/meridian:<version> with podman (infra/container/Containerfile):
#   bash infra/container/build.sh --from-source        everything compiled inside the image's build stage
#   bash infra/container/build.sh [--binary PATH] [--site DIR] [--release]
#                                                      packages a binary and bundle built on this machine
# --from-source is the operator's build: the release binary and the browser bundle are compiled in the build stage
# (~45 min the first time on 2 cores; cargo's registry and target folder are cache mounts, so a rebuild compiles
# only what changed). The other form is CI's smoke test: without --binary it packages the debug binary the tests
# built, in seconds; `--release` builds the release binary on this machine first (~25 min on 2 cores).
# The base image is made once from Debian packages (mmdebstrap) and kept as localhost/meridian-base:bookworm;
# for --from-source, the Rust toolchain image localhost/meridian-rust:<channel> is made once from this machine's
# rustup toolchain (the one rust-toolchain.toml pins; no other toolchain can be fetched here).
# Needs podman, buildah, mmdebstrap and runc (Debian packages); crun does not work on these machines, hence the
# containers.conf below.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
binary=""; site=target/site; release=0; from_source=0
while (( $# )); do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --site) site=$2; shift 2 ;;
    --release) release=1; shift ;;
    --from-source) from_source=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
if (( from_source )) && { [[ -n $binary ]] || (( release )); }; then
  echo "--from-source builds its own binary: not with --binary or --release" >&2; exit 2
fi
if (( ! from_source )); then
  if [[ -z $binary ]]; then
    if (( release )); then cargo build --release -p meridian-server; binary=$target/release/meridian
    else binary=$target/debug/meridian; fi
  fi
  [[ -x $binary ]] || { echo "no binary at $binary (cargo build -p meridian-server)" >&2; exit 1; }
  [[ -f $site/pkg/meridian.js ]] || { echo "no browser bundle in $site (bash infra/build-site.sh)" >&2; exit 1; }
fi

# Podman's settings for these machines.
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/infra/container/containers.conf}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

if ! podman image exists localhost/meridian-base:bookworm; then
  echo "== base image from Debian packages (mmdebstrap, ~90 s)"
  mmdebstrap --quiet --variant=minbase --include=ca-certificates,tini bookworm "$work/base.tar"
  podman import --quiet "$work/base.tar" localhost/meridian-base:bookworm >/dev/null
  rm -f "$work/base.tar"
fi

tags=(-t "localhost/meridian:$version" -t localhost/meridian:latest)
if (( from_source )); then
  channel=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
  rust_image=localhost/meridian-rust:$channel
  if ! podman image exists "$rust_image"; then
    sysroot=$(rustc --print sysroot)
    [[ $(rustc --version) == "rustc $channel "* ]] || { echo "rustc is not $channel: $(rustc --version)" >&2; exit 1; }
    [[ -d $sysroot/lib/rustlib/wasm32-unknown-unknown ]] || rustup target add wasm32-unknown-unknown
    echo "== Rust $channel toolchain image from $sysroot (without its documentation)"
    tar -C "$sysroot" --exclude=./share/doc --exclude=./share/zsh -cf "$work/rust.tar" .
    podman import --quiet "$work/rust.tar" "$rust_image" >/dev/null
    rm -f "$work/rust.tar"
  fi
  echo "== image localhost/meridian:$version from source (build stage: cargo build --release, build-site.sh)"
  # The build stage installs compilers from Debian's mirror, crates from crates.io and wasm-opt from npm: the
  # host's network, and the host's trusted certificates (a proxy that inspects TLS signs with its own CA), mounted
  # for the build's RUN steps only: they do not enter the image.
  cas=()
  ca=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
  [[ -f $ca ]] && cas=(--volume "$(realpath "$ca"):/etc/ssl/certs/ca-certificates.crt:ro")
  podman build --network=host "${cas[@]}" --format docker --build-arg VERSION="$version" \
    --build-arg RUST="$rust_image" "${tags[@]}" -f infra/container/Containerfile .
else
  cp "$binary" "$work/meridian"
  strip --strip-debug "$work/meridian" 2>/dev/null || true
  cp -r "$site" "$work/site"
  cp infra/container/Containerfile "$work/"
  echo "== image localhost/meridian:$version from $binary"
  podman build --quiet --format docker --target prebuilt --build-arg VERSION="$version" "${tags[@]}" \
    -f "$work/Containerfile" "$work" >/dev/null
fi
podman image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' localhost/meridian:"$version"
