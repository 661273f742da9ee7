#!/usr/bin/env bash
# Vector tiles, cold and warm, side by side with Martin on the same data
# in the same run.
#
# One generated town (FEATURES features, seed 42) in the embedded store,
# served by `forsyning serve` (network tiles as an admin sees them, each
# tile audited); the same features (id, owner, theme, kind, status,
# hazard, depth_mm; geometry already in EPSG:3857, so Martin has no
# reprojection to do) copied by ogr2ogr into PostGIS with a GiST index and
# served by Martin. The same viewport-shaped tile list (z12..z16) goes to both with oha at CONC connections:
# first the cold pass (each tile requested once: nothing cached), then the
# same list again (warm). Tile sizes are the uncompressed bodies.
#
# The tile list: at each zoom 12..16, VIEWS random 1920x1080 px viewports
# (512 px tiles, as MapLibre draws vector tiles) inside the town's extent,
# each the tiles covering it; every tile once.
#
# usage: benches/scripts/tiles_vs_martin.sh [FEATURES] [VIEWS]   (default 1000000 20)
# Needs: FORSYNING_TEST_POSTGRES (a PostGIS database), oha (cargo install oha),
# martin 1.14 (cargo install martin@1.14.0 --locked --no-default-features
# --features postgres), ogr2ogr (gdal-bin). FORSYNING_BENCH_DIR keeps the town.
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-1000000}"
views="${2:-20}"
conc="${CONC:-16}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/forsyning/target}"
oha=$(command -v oha || echo "$HOME/.cargo/bin/oha")
martin=${MARTIN:-$(command -v martin || echo "$HOME/.cargo/bin/martin")}
[ -x "$oha" ] || { echo "needs oha (cargo install oha)"; exit 1; }
[ -x "$martin" ] || { echo "needs martin (see the header)"; exit 1; }
: "${FORSYNING_TEST_POSTGRES:?needs FORSYNING_TEST_POSTGRES}"
# PROFILE=dev measures the workspace's dev profile (opt-level 1, deps at 2)
# when a release build of PROJ is not at hand.
profile="${PROFILE:-release}"
dir=$([ "$profile" = dev ] && echo debug || echo release)
cargo build --profile "$profile" -q --workspace --bins --examples
bin="$CARGO_TARGET_DIR/$dir/forsyning"
work=$(mktemp -d)
keep="${FORSYNING_BENCH_DIR:-$work}"
mkdir -p "$keep"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
gpkg="$keep/tiles_town_$n.gpkg"
if [ ! -s "$gpkg" ]; then
  "$bin" --store "gpkg:$gpkg" demo --no-serve --features "$n" --seed 42
fi
"$bin" --store "gpkg:$gpkg" org list | grep -q BENCH-ADMIN ||
  "$bin" --store "gpkg:$gpkg" org create --id BENCH-ADMIN --name "Bench admin" --role admin >/dev/null
token=$("$bin" --store "gpkg:$gpkg" token issue --org BENCH-ADMIN --label bench | grep -o 'fsy_[A-Za-z0-9_-]*')

# The same features for Martin, in EPSG:3857.
schema=bench_tiles
if [ "$(psql -qAt "$FORSYNING_TEST_POSTGRES" -c "SELECT count(*) FROM $schema.network" 2>/dev/null || echo 0)" != "$n" ]; then
  psql -q "$FORSYNING_TEST_POSTGRES" -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema"
  pg=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(f\"host={p.hostname} port={p.port or 5432} user={p.username} dbname={p.path[1:]}\" + (f' password={p.password}' if p.password else ''))" "$FORSYNING_TEST_POSTGRES")
  time ogr2ogr -f PostgreSQL "PG:$pg" "$gpkg" -dialect SQLite \
    -sql "SELECT id, owner_id AS owner, theme, kind, status, hazard, depth_mm, geom FROM network_features" \
    -nln "$schema.network" -nlt GEOMETRY -lco GEOMETRY_NAME=geom -lco FID=fid -t_srs EPSG:3857 \
    -gt 100000 --config PG_USE_COPY YES
  # No fid: Martin would publish it as one more property.
  psql -q "$FORSYNING_TEST_POSTGRES" -c "ALTER TABLE $schema.network DROP COLUMN fid; ANALYZE $schema.network"
fi

port_f=18431 port_m=18432
"$bin" --store "gpkg:$gpkg" serve --listen "127.0.0.1:$port_f" --rate-limit 0 >"$work/forsyning.log" 2>&1 &
pids+=($!)
cat >"$work/martin.yaml" <<YAML
listen_addresses: '127.0.0.1:$port_m'
postgres:
  connection_string: '$FORSYNING_TEST_POSTGRES'
  auto_publish: false
  tables:
    network:
      schema: $schema
      table: network
      srid: 3857
      geometry_column: geom
      geometry_type: GEOMETRY
      extent: 4096
      buffer: 64
      clip_geom: true
      properties: { id: varchar, owner: varchar, theme: varchar, kind: varchar, status: varchar, hazard: varchar, depth_mm: int8 }
YAML
"$martin" -c "$work/martin.yaml" >"$work/martin.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port_f/readyz" >/dev/null && curl -sf "http://127.0.0.1:$port_m/health" >/dev/null && break; sleep 1; done
msrc=network
# Our index is built on the first request (projection of every feature).
start=$(date +%s.%N)
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port_f/tiles/network/tilejson.json" >/dev/null
echo "forsyning: network index of $n features built in $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s"

extent=$(ogrinfo -so "$gpkg" network_features | sed -nE 's/^Extent: \(([-0-9.]+), ([-0-9.]+)\) - \(([-0-9.]+), ([-0-9.]+)\)/\1 \2\n\3 \4/p' |
  gdaltransform -s_srs EPSG:25832 -t_srs EPSG:3857 -output_xy | tr '\n' ' ')
python3 - "$views" $extent >"$work/tiles.txt" <<'PY'
import math, random, sys
views = int(sys.argv[1]); x0, y0, x1, y1 = map(float, sys.argv[2:6])
H = 20037508.342789244
rnd, seen = random.Random(7), set()
for z in range(12, 17):
    s = 2 * H / 2**z
    w, h = 1920 / 512 * s, 1080 / 512 * s
    for _ in range(views):
        cx, cy = rnd.uniform(x0, x1), rnd.uniform(y0, y1)
        for ty in range(int((H - (cy + h / 2)) // s), int((H - (cy - h / 2)) // s) + 1):
            for tx in range(int((cx - w / 2 + H) // s), int((cx + w / 2 + H) // s) + 1):
                if (z, tx, ty) not in seen:
                    seen.add((z, tx, ty)); print(f"{z}/{tx}/{ty}")
PY
echo "tile list: $(wc -l <"$work/tiles.txt") tiles, z12..z16 ($(cut -d/ -f1 "$work/tiles.txt" | sort | uniq -c | tr -s ' ' | tr '\n' ';'))"
sed "s#^#http://127.0.0.1:$port_f/tiles/network/#; s#\$#.mvt#" "$work/tiles.txt" >"$work/urls-f.txt"
sed "s#^#http://127.0.0.1:$port_m/$msrc/#" "$work/tiles.txt" >"$work/urls-m.txt"
count=$(wc -l <"$work/tiles.txt")

pass() { # name urls-file pass-name [headers...]
  local name=$1 urls=$2 what=$3; shift 3
  "$oha" -n "$count" -c "$conc" --no-tui --output-format json --urls-from-file "$@" "$urls" >"$work/oha-$name-$what.json"
  python3 - "$work/oha-$name-$what.json" "$name" "$what" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s, p = r["summary"], r["latencyPercentiles"]
print(f"{sys.argv[2]:>9} {sys.argv[3]}: {s['requestsPerSec']:8.1f} tiles/s, success {s['successRate']*100:.1f}%, "
      f"status {r.get('statusCodeDistribution')}, p50 {p['p50']*1e3:.1f} ms, p99 {p['p99']*1e3:.1f} ms")
PY
}
# oha's sequential URL order: the cold pass touches each tile once.
pass forsyning "$work/urls-f.txt" cold -H "Authorization: Bearer $token"
pass martin "$work/urls-m.txt" cold
pass forsyning "$work/urls-f.txt" warm -H "Authorization: Bearer $token"
pass martin "$work/urls-m.txt" warm

sizes() { # urls-file [curl args...] -> total bytes, largest
  local urls=$1; shift
  local total=0 max=0 b
  while read -r u; do
    b=$(curl -s -o /dev/null -w '%{size_download}' "$@" "$u")
    total=$((total + b)); [ "$b" -gt "$max" ] && max=$b
  done <"$urls"
  echo "$total $max"
}
read -r ft fm < <(sizes "$work/urls-f.txt" -H "Authorization: Bearer $token")
read -r mt mm < <(sizes "$work/urls-m.txt")
echo "tile bytes (uncompressed): forsyning total $ft, largest $fm; martin total $mt, largest $mm"
python3 - "$work" "$ft" "$mt" <<'PY'
import json, sys
w = sys.argv[1]
rate = lambda n, p: json.load(open(f"{w}/oha-{n}-{p}.json"))["summary"]["requestsPerSec"]
print(f"cold: forsyning/martin = {rate('forsyning','cold')/rate('martin','cold'):.2f}x; "
      f"warm: {rate('forsyning','warm')/rate('martin','warm'):.2f}x; "
      f"bytes forsyning/martin = {int(sys.argv[2])/max(1,int(sys.argv[3])):.2f}")
PY
