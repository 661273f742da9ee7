#!/usr/bin/env bash
# A flamegraph of the server while it files dig requests:
# `POST /api/v1/dig-requests` at a fixed rate (oha, open loop) on a generated
# town, with `perf record` sampling the server's threads (DWARF call graphs)
# and inferno drawing the SVG.
#
# usage: benches/scripts/post_profile.sh [FEATURES] [RATE] [OUT.svg]
#        (default 1000000 1000 benches/flamegraphs/post-embedded.svg)
# STORE=postgis profiles the same against FORSYNING_TEST_POSTGRES.
# Needs perf (apt-get install linux-perf), oha and inferno
# (cargo install oha inferno). FORSYNING_BENCH_DIR keeps the town.
# Samples on cpu-clock: virtual machines often have no hardware counters.
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-1000000}"
rate="${2:-1000}"
out="${3:-benches/flamegraphs/post-${STORE:-embedded}.svg}"
duration="${DURATION:-15s}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/forsyning/target}"
oha=$(command -v oha || echo "$HOME/.cargo/bin/oha")
for tool in perf "$oha" inferno-collapse-perf inferno-flamegraph; do
  command -v "$tool" >/dev/null || [ -x "$tool" ] || { echo "needs $tool (see the header)"; exit 1; }
done
cargo build --release -q --workspace --bins --examples
bin="$CARGO_TARGET_DIR/release/forsyning"
work=$(mktemp -d)
keep="${FORSYNING_BENCH_DIR:-$work}"
mkdir -p "$keep" "$(dirname "$out")"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

if [ "${STORE:-embedded}" = postgis ]; then
  : "${FORSYNING_TEST_POSTGRES:?STORE=postgis needs FORSYNING_TEST_POSTGRES}"
  schema="bench_town_$n"
  psql -q "$FORSYNING_TEST_POSTGRES" -c "CREATE SCHEMA IF NOT EXISTS $schema"
  sep='?'; case "$FORSYNING_TEST_POSTGRES" in *\?*) sep='&';; esac
  store="${FORSYNING_TEST_POSTGRES}${sep}options=-c%20search_path%3D${schema},public"
  have=$(psql -qAt "$FORSYNING_TEST_POSTGRES" -c "SELECT to_regclass('$schema.network_features') IS NOT NULL AND EXISTS (SELECT 1 FROM $schema.network_features)")
else
  store="gpkg:$keep/town_$n.gpkg"
  have=$([ -s "$keep/town_$n.gpkg" ] && echo t || echo f)
fi
[ "$have" = t ] || "$bin" --store "$store" demo --no-serve --features "$n" --seed 42
"$bin" --store "$store" org list | grep -q BENCH-CON ||
  "$bin" --store "$store" org create --id BENCH-CON --name "Bench contractor" --role contractor >/dev/null
token=$("$bin" --store "$store" token issue --org BENCH-CON --label bench | grep -o 'fsy_[A-Za-z0-9_-]*')
port=18$((RANDOM % 900 + 100))
"$bin" --store "$store" serve --listen "127.0.0.1:$port" --rate-limit 0 --request-timeout-s 30 \
  >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 1; done

# One 60 m square at the town's centre, the same body for every request.
if [ "${STORE:-embedded}" = postgis ]; then
  extent=$(psql -qAt "$FORSYNING_TEST_POSTGRES" -c "SELECT concat_ws(' ', ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)) FROM (SELECT ST_Extent(geom) AS e FROM $schema.network_features) t")
else
  extent=$(ogrinfo -so "$keep/town_$n.gpkg" network_features | sed -nE 's/^Extent: \(([-0-9.]+), ([-0-9.]+)\) - \(([-0-9.]+), ([-0-9.]+)\)/\1 \2 \3 \4/p')
fi
python3 - "$work/post.json" $extent <<'EOF'
import json, sys, datetime
x0, y0, x1, y1 = map(float, sys.argv[2:6])
cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
now = datetime.datetime.now(datetime.timezone.utc)
ring = [[cx, cy], [cx + 60, cy], [cx + 60, cy + 60], [cx, cy + 60], [cx, cy]]
json.dump({"polygon": {"type": "Polygon", "coordinates": [ring]}, "buffer_m": 2.0,
           "period_from": (now + datetime.timedelta(hours=1)).isoformat(),
           "period_to": (now + datetime.timedelta(days=7)).isoformat(),
           "purpose": "bench", "contact": "bench"}, open(sys.argv[1], "w"))
EOF
# Warm up (token cache, PROJ, R-tree pages), then sample under load.
"$oha" -n 500 -c 20 --no-tui -m POST -T application/json -D "$work/post.json" \
  -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/dig-requests" >/dev/null
perf record -e cpu-clock -F 499 --call-graph dwarf,16384 -p "$server" -o "$work/perf.data" -- sleep "${duration%s}" \
  2>"$work/perf.log" &
perf_pid=$!
"$oha" -q "$rate" -z "$duration" -c 100 --latency-correction --no-tui \
  -m POST -T application/json -D "$work/post.json" -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$port/api/v1/dig-requests" | grep -E "Requests/sec|Success rate|99.00%|50.00%" || true
wait "$perf_pid" || true
perf script -i "$work/perf.data" 2>/dev/null | inferno-collapse-perf >"$work/folded"
[ -z "${FOLDED:-}" ] || cp "$work/folded" "$FOLDED"  # the folded stacks (tens of MB) when asked for
inferno-flamegraph --title "POST /api/v1/dig-requests at $rate/s, ${STORE:-embedded}, $n features" \
  <"$work/folded" >"$out"
# The heaviest frames, self time, for the README.
python3 - "$work/folded" <<'EOF'
import collections, sys
self_t, total = collections.Counter(), 0
for line in open(sys.argv[1]):
    stack, _, count = line.rstrip().rpartition(" ")
    count = int(count); total += count
    self_t[stack.split(";")[-1]] += count
for frame, c in self_t.most_common(15):
    print(f"{100 * c / total:5.1f}%  {frame[:140]}")
EOF
echo "flamegraph: $out"
