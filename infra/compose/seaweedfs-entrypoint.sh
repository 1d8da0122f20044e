#!/bin/bash
# The SeaweedFS image's entrypoint: one S3 identity (S3_ACCESS_KEY / S3_SECRET_KEY, allowed everything) written to
# a file only this container reads, then `weed mini` in the foreground on SEAWEEDFS_IP with the configured ports,
# creating S3_BUCKET if it does not exist. Data (volumes, filer metadata) in /data. Extra arguments go to
# `weed mini` (e.g. `-master.volumeSizeLimitMB=256`).
set -euo pipefail
: "${S3_ACCESS_KEY:?S3_ACCESS_KEY must be set}" "${S3_SECRET_KEY:?S3_SECRET_KEY must be set}"
: "${S3_BUCKET:?S3_BUCKET must be set}"
# Written into JSON as they are: letters, digits and a few safe characters only.
for v in S3_ACCESS_KEY S3_SECRET_KEY; do
  [[ ${!v} =~ ^[A-Za-z0-9+/=._-]+$ ]] || { echo "seaweedfs-entrypoint: $v may hold only letters, digits and +/=._-" >&2; exit 1; }
done

conf=$(mktemp -d)
chmod 0700 "$conf"
cat >"$conf/s3.json" <<EOF
{"identities":[{"name":"meridian","credentials":[{"accessKey":"$S3_ACCESS_KEY","secretKey":"$S3_SECRET_KEY"}],
 "actions":["Admin","Read","Write","List","Tagging"]}]}
EOF

# weed's defaults bind every interface and report to a telemetry server, hence -ip.bind and telemetry=false;
# the WebDAV gateway, the admin UI, Iceberg and Lance are not needed (the admin server still takes its ports).
exec weed mini -dir=/data -ip="$SEAWEEDFS_IP" -ip.bind="$SEAWEEDFS_IP" \
  -master.telemetry=false -webdav=false -admin.ui=false -s3.port.iceberg=0 -s3.port.lance=0 \
  -s3.port="$SEAWEEDFS_S3_PORT" -master.port="$SEAWEEDFS_MASTER_PORT" -volume.port="$SEAWEEDFS_VOLUME_PORT" \
  -filer.port="$SEAWEEDFS_FILER_PORT" -admin.port="$SEAWEEDFS_ADMIN_PORT" \
  -s3.config="$conf/s3.json" -bucket="$S3_BUCKET" \
  -filer.localSocket="$conf/filer.sock" -s3.localSocket="$conf/s3.sock" "$@"
