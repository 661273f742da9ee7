#!/usr/bin/env bash
# Runs the PyPI `ogctests` suite (OGC API Features, Part 1 Core) against a
# running `forsyning serve` on a small demo store, as an admin (every
# collection then has items). Also lists the collections and reads items
# with a bbox through GDAL's OAPIF driver (ogrinfo). Exits non-zero when a
# test fails.
#   scripts/ogc-conformance.sh            # builds the binary first
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/forsyning/target}"
if ! python3 -c "import ogctests" 2>/dev/null; then
  echo "== pip install ogctests"
  python3 -m pip install -q ogctests 2>/dev/null || python3 -m pip install -q --break-system-packages ogctests
fi
[ -n "${FORSYNING_BIN:-}" ] || cargo build -q --workspace --all-targets  # what `cargo test --workspace --all-targets` built: the same features, no rebuild
bin="${FORSYNING_BIN:-$CARGO_TARGET_DIR/debug/forsyning}"
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export FORSYNING_STORE="gpkg:$work/f.gpkg" RUST_LOG=warn
"$bin" demo --features 1500 --seed 3 --no-serve >/dev/null
"$bin" org create --id OGC-ADMIN --name "OGC test admin" --role admin >/dev/null
token=$("$bin" token issue --org OGC-ADMIN --label ogctests 2>/dev/null | tail -n 1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" --rate-limit 0 &
server=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
base="http://127.0.0.1:$port"
# A dig request, so that the dig-requests collection has an item.
center=$(curl -fsS -H "Authorization: Bearer $token" "$base/ogc/collections/network/items?limit=1&crs=http://www.opengis.net/def/crs/EPSG/0/25832" \
  | python3 -c 'import json,sys,re; c=re.findall(r"-?\d+\.?\d*", json.dumps(json.load(sys.stdin)["features"][0]["geometry"]["coordinates"])); print(int(float(c[0])), int(float(c[1])))')
read -r x y <<<"$center"
from=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ); to=$(date -u -d '+7 days' +%Y-%m-%dT%H:%M:%SZ)
curl -fsS -o /dev/null -H "Authorization: Bearer $token" -H 'content-type: application/json' "$base/api/v1/dig-requests" --data \
  "{\"polygon\":{\"type\":\"Polygon\",\"coordinates\":[[[$((x-40)),$((y-40))],[$((x+40)),$((y-40))],[$((x+40)),$((y+40))],[$((x-40)),$((y+40))],[$((x-40)),$((y-40))]]]},\"buffer_m\":2,\"period_from\":\"$from\",\"period_to\":\"$to\",\"purpose\":\"ogctests\",\"contact\":\"test\"}"

echo "== ogrinfo OAPIF:$base/ogc"
ogrinfo --config GDAL_HTTP_HEADERS "Authorization: Bearer $token" -ro "OAPIF:$base/ogc" | tee "$work/layers.txt"
for layer in network interest-areas dig-requests; do
  grep -q "^[0-9]*: $layer" "$work/layers.txt" || { echo "ogrinfo does not list $layer"; exit 1; }
done
lonlat=$(curl -fsS -H "Authorization: Bearer $token" "$base/ogc/collections/network/items?limit=1" \
  | python3 -c 'import json,sys,re; c=re.findall(r"-?\d+\.\d+", json.dumps(json.load(sys.stdin)["features"][0]["geometry"]["coordinates"])); print(c[0], c[1])')
read -r lon lat <<<"$lonlat"
spat="$(python3 -c "print($lon-0.003, $lat-0.002, $lon+0.003, $lat+0.002)")"
# shellcheck disable=SC2086
n=$(ogrinfo --config GDAL_HTTP_HEADERS "Authorization: Bearer $token" -ro -so -spat $spat "OAPIF:$base/ogc" network | sed -n 's/^Feature Count: //p')
# shellcheck disable=SC2086
want=$(curl -fsS -H "Authorization: Bearer $token" "$base/ogc/collections/network/items?limit=1&bbox=$(echo $spat | tr ' ' ,)" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["numberMatched"])')
echo "ogrinfo -spat $spat network: $n features; the API's numberMatched for the bbox: $want"
[ "$n" = "$want" ] && [ "$n" -gt 0 ] || { echo "ogrinfo's bbox count differs"; exit 1; }

echo "== ogctests features/core against $base/ogc"
python3 - "$base/ogc" "$token" <<'PY'
import sys
import httpx
from ogctests.main import run_ogctests
url, token = sys.argv[1], sys.argv[2]
client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
sys.exit(run_ogctests("features/core", instance_url=url, flags=["-p", "no:cacheprovider", "-W", "ignore", "-rA", "-q"], test_client=client))
PY
