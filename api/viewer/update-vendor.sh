#!/bin/sh
# Copies MapLibre GL JS's dist files (the version pinned in package.json and
# package-lock.json) into vendor/, which the forsyning binary embeds and
# serves under /viewer/. Run after changing the version: npm ci && ./update-vendor.sh
set -eu
cd "$(dirname "$0")"
[ -d node_modules/maplibre-gl ] || npm ci --no-audit --no-fund
src=node_modules/maplibre-gl
for f in dist/maplibre-gl.mjs dist/maplibre-gl-worker.mjs dist/maplibre-gl.css LICENSE.txt; do
    cp "$src/$f" "vendor/$(basename "$f")"
done
node -e 'console.log(require("./node_modules/maplibre-gl/package.json").version)' > vendor/VERSION
echo "vendored maplibre-gl $(cat vendor/VERSION)"
