#!/usr/bin/env bash
# Runs the whole Forsyning test suite on a fresh Debian 12 machine:
# installs what is missing, starts PostgreSQL, creates a PostGIS test
# database, then checks formatting and lints and runs every test of the
# workspace against both store backends.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/forsyning/target}"
export FORSYNING_SHARED_DATA="${FORSYNING_SHARED_DATA:-$(cd .. && pwd)/shared/data}"

./scripts/install-deps.sh libgdal-dev gdal-bin python3-gdal cmake g++ pkg-config libsqlite3-dev \
  postgresql-15-postgis-3 postgresql-client poppler-utils python3-pip

# The LER 2 schema validator (../shared/tools/validate-ler) needs xmlschema;
# the regions test measures distances independently with pyproj + shapely.
if ! python3 -c "import xmlschema, lxml, pyproj, shapely" 2>/dev/null; then
  echo "== pip install xmlschema lxml pyproj shapely"
  python3 -m pip install -q xmlschema lxml pyproj shapely 2>/dev/null \
    || python3 -m pip install -q --break-system-packages xmlschema lxml pyproj shapely
fi

# PostgreSQL: start it if it is down, then a PostGIS database for the tests.
PGHOST_ADDR="${PGHOST_ADDR:-127.0.0.1}"
if ! pg_isready -h "$PGHOST_ADDR" -q; then
  echo "== starting PostgreSQL"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  cluster=$(ls /etc/postgresql | sort -V | tail -n 1)
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$cluster" main start || $SUDO pg_ctlcluster "$cluster" main start
  for _ in $(seq 1 30); do pg_isready -h "$PGHOST_ADDR" -q && break; sleep 1; done
fi
# A local test role with a fresh random password, so this works with the
# default password authentication of a new cluster as well as with trust.
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
psql_() { (cd /tmp && as_postgres psql -v ON_ERROR_STOP=1 -qAt "$@"); }
PGPASS_TEST=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
psql_ -d postgres -c "DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'forsyning_test') THEN
    CREATE ROLE forsyning_test LOGIN SUPERUSER;
  END IF;
END\$\$;" -c "ALTER ROLE forsyning_test PASSWORD '$PGPASS_TEST'"
if [ "$(psql_ -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'forsyning_test'")" != 1 ]; then
  psql_ -d postgres -c "CREATE DATABASE forsyning_test OWNER forsyning_test"
fi
psql_ -d forsyning_test -c "CREATE EXTENSION IF NOT EXISTS postgis"
export FORSYNING_TEST_POSTGRES="postgres://forsyning_test:${PGPASS_TEST}@${PGHOST_ADDR}:5432/forsyning_test"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test (GeoPackage and PostGIS backends)"
cargo test --workspace --all-targets "$@"
cargo test --workspace --doc
echo "== OGC API Features: ogrinfo OAPIF and the ogctests suite (Features Core)"
./scripts/ogc-conformance.sh
echo "== the web map viewer in headless Chromium (playwright-core, axe-core)"
./scripts/viewer-test.sh
