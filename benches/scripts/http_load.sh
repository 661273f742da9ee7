#!/usr/bin/env bash
# Conflict reports over HTTP under load, on one generated town in the
# embedded store and in PostGIS, in one run.
#
# For each backend: `forsyning serve` (release build) on the town, 200 dig
# requests filed by a contractor, then `GET /api/v1/dig-requests/{id}` (the
# report with features, distances and an audit entry per call) cycling over
# them:
#   1. fixed rate, open loop (oha -q RATE --latency-correction): requests
#      are sent on a schedule whatever the answers do, and each latency is
#      counted from when its request was due, so a stall shows in the tail
#      instead of slowing the sender (no coordinated omission);
#   2. saturated (wrk, 32 connections, as fast as the server answers);
#   3. filing new requests, `POST /api/v1/dig-requests` (match, report,
#      store the request and its audit entry) at RATE/2 with oha.
#
# usage: benches/scripts/http_load.sh [FEATURES] [RATE]   (default 1000000 1000)
# POST_RATE sets step 3's rate (default RATE/2); ONLY=post runs step 3 alone.
# Needs wrk (apt-get install wrk) and oha (cargo install oha).
# PostGIS is measured when FORSYNING_TEST_POSTGRES names a database;
# FORSYNING_BENCH_DIR keeps the loaded stores for the next run.
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-1000000}"
rate="${2:-1000}"
duration="${DURATION:-30s}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/forsyning/target}"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
oha=$(command -v oha || echo "$HOME/.cargo/bin/oha")
[ -x "$oha" ] || { echo "needs oha (cargo install oha)"; exit 1; }
cargo build --release -q --workspace --bins --examples
bin="$CARGO_TARGET_DIR/release/forsyning"
work=$(mktemp -d)
keep="${FORSYNING_BENCH_DIR:-$work}"
mkdir -p "$keep"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

run_backend() { # name store
  local name=$1 store=$2 port=18$((RANDOM % 900 + 100))
  echo "== $name ($store)"
  if [ "$name" = embedded ] && [ -s "${store#gpkg:}" ]; then
    echo "reusing the town in $store"
  elif [ "$name" = postgis ] && [ "$(psql -qAt "$FORSYNING_TEST_POSTGRES" -c "SELECT to_regclass('$schema.network_features') IS NOT NULL AND EXISTS (SELECT 1 FROM $schema.network_features)" 2>/dev/null)" = t ]; then
    echo "reusing the town in schema $schema"
  else
    "$bin" --store "$store" demo --no-serve --features "$n" --seed 42
  fi
  "$bin" --store "$store" org list 2>/dev/null | grep -q BENCH-CON ||
    "$bin" --store "$store" org create --id BENCH-CON --name "Bench contractor" --role contractor >/dev/null
  # The town's extent, to draw requests inside it.
  local extent
  if [ "$name" = embedded ]; then
    extent=$(ogrinfo -so "${store#gpkg:}" network_features | sed -nE 's/^Extent: \(([-0-9.]+), ([-0-9.]+)\) - \(([-0-9.]+), ([-0-9.]+)\)/\1 \2 \3 \4/p')
  else
    extent=$(psql -qAt "$FORSYNING_TEST_POSTGRES" -c "SELECT concat_ws(' ', ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)) FROM (SELECT ST_Extent(geom) AS e FROM $schema.network_features) t")
  fi
  echo "town extent: $extent"
  local token
  token=$("$bin" --store "$store" token issue --org BENCH-CON --label bench | grep -o 'fsy_[A-Za-z0-9_-]*')
  "$bin" --store "$store" serve --listen "127.0.0.1:$port" --rate-limit 0 --request-timeout-s 30 \
    >"$work/serve-$name.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 1; done
  python3 - "$port" "$token" "$work/ids-$name.txt" $extent <<'EOF'
import json, random, sys, urllib.request, datetime
port, token, out = sys.argv[1], sys.argv[2], sys.argv[3]
x0, y0, x1, y1 = map(float, sys.argv[4:8])
rnd = random.Random(7)
now = datetime.datetime.now(datetime.timezone.utc)
ids = []
for _ in range(200):
    cx = rnd.uniform(x0 + 200, x1 - 300); cy = rnd.uniform(y0 + 200, y1 - 300)
    s = rnd.uniform(20, 120)
    ring = [[cx, cy], [cx + s, cy], [cx + s, cy + s], [cx, cy + s], [cx, cy]]
    body = {"polygon": {"type": "Polygon", "coordinates": [ring]}, "buffer_m": 2.0,
            "period_from": (now - datetime.timedelta(hours=1)).isoformat(),
            "period_to": (now + datetime.timedelta(days=7)).isoformat(),
            "purpose": "bench", "contact": "bench"}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/dig-requests", data=json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}", "content-type": "application/json"})
    r = json.load(urllib.request.urlopen(req))
    ids.append((r["id"], len(r.get("features") or [])))
open(out, "w").write("\n".join(i for i, _ in ids))
print(f"200 dig requests filed, {sum(k for _, k in ids) / len(ids):.1f} features per report on average")
EOF
  cat > "$work/get.lua" <<EOF
local ids = {}
for line in io.lines("$work/ids-$name.txt") do ids[#ids + 1] = line end
local i = 0
local pause = tonumber(os.getenv("PAUSE_MS") or "0")
request = function()
  i = i % #ids + 1
  return wrk.format("GET", "/api/v1/dig-requests/" .. ids[i], { ["Authorization"] = "Bearer $token" })
end
delay = function() return pause end
EOF
  sed "s#^#http://127.0.0.1:$port/api/v1/dig-requests/#" "$work/ids-$name.txt" >"$work/urls-$name.txt"
  if [ "${ONLY:-}" != post ]; then
  echo "-- fixed rate: $rate requests/s for $duration, open loop, 100 connections"
  "$oha" -q "$rate" -z "$duration" -c 100 --latency-correction --no-tui --output-format json \
    --urls-from-file -H "Authorization: Bearer $token" "$work/urls-$name.txt" >"$work/oha-$name.json"
  summary "$work/oha-$name.json"
  echo "-- saturated: 32 connections, no pause"
  wrk -t2 -c32 -d"$duration" --latency -s "$work/get.lua" "http://127.0.0.1:$port" \
    | grep -E "Requests/sec|Non-2xx|Socket errors|50%|90%|99%|requests in"
  fi
  local half=${POST_RATE:-$((rate / 2))}
  echo "-- filing new requests: POST at $half/s for $duration, open loop"
  python3 - "$work/post-$name.json" $extent <<'EOF'
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
  "$oha" -q "$half" -z "$duration" -c 100 --latency-correction --no-tui --output-format json \
    -m POST -T application/json -D "$work/post-$name.json" -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/api/v1/dig-requests" >"$work/oha-post-$name.json"
  summary "$work/oha-post-$name.json"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

summary() { # oha's JSON report: rate reached, status codes, latency percentiles
  python3 - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
s, p = r["summary"], r["latencyPercentiles"]
codes = r.get("statusCodeDistribution", {})
errors = r.get("errorDistribution", {})
print(f"reached {s['requestsPerSec']:.0f}/s, success {s['successRate'] * 100:.2f}%, status {codes}, errors {errors}")
print("latency p50 {:.1f} ms, p90 {:.1f} ms, p99 {:.1f} ms, p99.9 {:.1f} ms".format(
    *(p[k] * 1e3 for k in ("p50", "p90", "p99", "p99.9"))))
EOF
}

# The dig_report bench leaves the same town (seed 42) in town_N.gpkg and in
# the schema bench_town_N when FORSYNING_BENCH_DIR is set: reuse them.
schema="bench_town_$n"
run_backend embedded "gpkg:$keep/town_$n.gpkg"
if [ -n "${FORSYNING_TEST_POSTGRES:-}" ]; then
  psql -q "$FORSYNING_TEST_POSTGRES" -c "CREATE SCHEMA IF NOT EXISTS $schema"
  sep='?'; case "$FORSYNING_TEST_POSTGRES" in *\?*) sep='&';; esac
  run_backend postgis "${FORSYNING_TEST_POSTGRES}${sep}options=-c%20search_path%3D${schema},public"
else
  echo "FORSYNING_TEST_POSTGRES is not set: PostGIS is not measured"
fi
