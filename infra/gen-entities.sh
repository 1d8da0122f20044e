#!/usr/bin/env bash
# Regenerates the sea-orm entities in backend/store/src/entities/ from the migrations: migrates a scratch
# PostgreSQL database (from infra/devservices.sh) and runs sea-orm-cli's generator on it. Never edit the
# generated files by hand; behaviour goes in the sibling repository modules.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sea-orm-cli >/dev/null || cargo install sea-orm-cli@2.0.4 --locked --no-default-features \
  --features codegen,runtime-tokio-rustls,sqlx-postgres
bash infra/devservices.sh start postgres >/dev/null
eval "$(bash infra/devservices.sh env | sed 's/^/export /')"
admin=$TEST_DATABASE_URL
scratch=${admin%/*}/meridian_codegen
psql "$admin" -qc "DROP DATABASE IF EXISTS meridian_codegen" -c "CREATE DATABASE meridian_codegen"
trap 'psql "$admin" -qc "DROP DATABASE IF EXISTS meridian_codegen"' EXIT
MERIDIAN_DATABASE_URL=$scratch cargo run -q -p meridian-server -- migrate
out=backend/store/src/entities
rm -f "$out"/*.rs
# job_subjects is read and written only by meridian_service::jobs, in the same sqlx transaction as apalis's own job
# tables (which live in the `apalis` schema and are not generated either); rate_limits only by
# meridian_store::limits, in raw single statements.
sea-orm-cli generate entity -u "$scratch" -o "$out" --ignore-tables seaql_migrations,job_subjects,rate_limits --banner-version patch
cargo fmt -p meridian-store
