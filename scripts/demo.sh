#!/usr/bin/env bash
# Runs the Forsyning demo on the embedded GeoPackage store: generates a
# synthetic town, stores it in ./data/forsyning.gpkg and serves the API on
# 127.0.0.1:8080. Extra arguments go to `forsyning demo` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh cmake g++ pkg-config libsqlite3-dev libgdal-dev gdal-bin
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/forsyning/target}"
# The workspace's own build, as the tests build it (a `-p` or `--release`
# build resolves other features and compiles PROJ again: ~20 minutes).
cargo build -q --workspace --all-targets
exec "$CARGO_TARGET_DIR/debug/forsyning" demo "$@"
