#!/bin/bash
# The SeaweedFS image's health check: the S3 gateway answers /healthz, and the volume server has registered with
# the master. (After a restart the gateway says healthy some seconds before that, and reads fail with 500 until
# then: about 4 s measured here.) No curl in the image: bash's /dev/tcp.
set -uo pipefail
get() {  # get PORT PATH: the whole HTTP/1.0 response
  exec 3<>"/dev/tcp/$SEAWEEDFS_IP/$1" || return 1
  printf 'GET %s HTTP/1.0\r\nHost:localhost\r\n\r\n' "$2" >&3
  cat <&3
  exec 3<&-
}
get "$SEAWEEDFS_S3_PORT" /healthz | head -n1 | grep -q ' 200 ' || exit 1
get "$SEAWEEDFS_MASTER_PORT" /dir/status | grep -q '"DataNodes":\[{' || exit 1
