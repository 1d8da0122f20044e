#!/bin/bash
# The PostgreSQL image's entrypoint: on the first start (an empty data directory) initdb, then the role and the
# database for Meridian, made through a server that listens on no TCP port (nothing can connect half-way); then
# the server itself, in the foreground (tini forwards the stop signal). Arguments go to `postgres`
# (e.g. `-c shared_buffers=512MB`).
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}" "${PGPORT:=5432}" "${POSTGRES_LISTEN:=127.0.0.1}"
: "${POSTGRES_USER:=meridian}" "${POSTGRES_DB:=meridian}"
export PGDATA PGPORT

if [[ ! -s $PGDATA/PG_VERSION ]]; then
  if [[ -z ${POSTGRES_PASSWORD:-} ]]; then
    echo "pg-entrypoint: POSTGRES_PASSWORD must be set for the first start (it becomes $POSTGRES_USER's password)" >&2
    exit 1
  fi
  echo "pg-entrypoint: initialising $PGDATA"
  initdb -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  sock=$(mktemp -d)
  pg_ctl -D "$PGDATA" -w -t 60 -l "$sock/init.log" -o "-c listen_addresses='' -k $sock" start >/dev/null \
    || { cat "$sock/init.log" >&2; exit 1; }
  # The password comes from the environment (\getenv), not from a command line other processes could read.
  psql -X -q -v ON_ERROR_STOP=1 -h "$sock" -U postgres -d postgres \
       -v user="$POSTGRES_USER" -v db="$POSTGRES_DB" <<'SQL'
\getenv pw POSTGRES_PASSWORD
CREATE ROLE :"user" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"user";
SQL
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  rm -rf "$sock"
  echo "pg-entrypoint: role $POSTGRES_USER and database $POSTGRES_DB created"
fi

exec postgres -D "$PGDATA" -c listen_addresses="$POSTGRES_LISTEN" -p "$PGPORT" "$@"
