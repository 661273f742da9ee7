#!/usr/bin/env bash
# The web map viewer in headless Chromium (api/viewer/test/viewer.test.mjs):
# needs Debian's chromium and node/npm; installs the pinned npm packages
# (playwright-core, axe-core) with `npm ci`. The screenshot is kept in
# api/viewer/test-output/viewer.png.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/forsyning/target}"
./scripts/install-deps.sh chromium
# Node 20+ with npm: Debian's nodejs and npm packages, unless a node is there already.
command -v npm >/dev/null || ./scripts/install-deps.sh nodejs npm
[ -n "${FORSYNING_BIN:-}" ] || cargo build -q --workspace --all-targets  # what `cargo test --workspace --all-targets` built: the same features, no rebuild
(cd api/viewer && npm ci --no-audit --no-fund --loglevel=error)
FORSYNING_BIN="${FORSYNING_BIN:-$CARGO_TARGET_DIR/debug/forsyning}" node api/viewer/test/viewer.test.mjs
