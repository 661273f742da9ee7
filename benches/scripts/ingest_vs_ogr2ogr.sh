#!/usr/bin/env bash
# Side by side, on the same generated GeoJSON in one run: `forsyning ingest
# network` (parse, validate, reproject, store in a GeoPackage) against GDAL's
# `ogr2ogr -f GPKG` (parse and write). Prints features per second, wall time
# and peak memory of each, and their ratios. Then the same features as LER 2
# GML (written by geojson_to_ler2.py, Python 3 standard library) through
# `forsyning ingest network`, and a second load of the GeoJSON into the
# first GeoPackage (a replacement: the first version moves to the history).
#
# usage: benches/scripts/ingest_vs_ogr2ogr.sh [FEATURES]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-1000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/forsyning/target}"
cargo build --release -q -p forsyning
bin="$CARGO_TARGET_DIR/release/forsyning"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" generate --features "$n" --seed 42 --out "$work/town.geojson" >/dev/null
size=$(stat -c %s "$work/town.geojson")
echo "input: $n features, $((size / 1024 / 1024)) MiB of GeoJSON (EPSG:25832)"
written=$(python3 benches/scripts/geojson_to_ler2.py "$work/town.geojson" "$work/town.gml")
[ "$written" = "$n" ] || { echo "geojson_to_ler2.py wrote $written features, expected $n"; exit 1; }
echo "       the same as LER 2 GML: $(( $(stat -c %s "$work/town.gml") / 1024 / 1024 )) MiB"

measure() { # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >/dev/null 2>"$work/$name.err" || {
    cat "$work/$name.err"; exit 1; }
  read -r secs kib < "$work/$name.time"
  printf '%-10s %8.1f s  %10.0f features/s  peak %6.0f MiB\n' "$name" "$secs" "$(echo "$n / $secs" | bc -l)" "$(echo "$kib / 1024" | bc -l)"
  echo "$secs $kib" > "$work/$name.res"
}

measure forsyning "$bin" --store "gpkg:$work/f.gpkg" ingest network --owner BENCH "$work/town.geojson"
measure ogr2ogr ogr2ogr -f GPKG "$work/o.gpkg" "$work/town.geojson"
# --lenient: LER 2 requires a depth on lines established after 2023-07-01
# whose heights are unknown, and the generator leaves a few (about 5 in
# 100,000) without; they are reported and left out, the rest is stored.
measure ler2-gml "$bin" --store "gpkg:$work/g.gpkg" ingest network --lenient --owner BENCH "$work/town.gml"
measure replace "$bin" --store "gpkg:$work/f.gpkg" ingest network --owner BENCH "$work/town.geojson"

read -r fs fk < "$work/forsyning.res"
read -r os ok < "$work/ogr2ogr.res"
read -r gs _ < "$work/ler2-gml.res"
printf 'forsyning is %.2fx the speed of ogr2ogr; peak memory ratio %.2f\n' "$(echo "$os / $fs" | bc -l)" "$(echo "$fk / $ok" | bc -l)"
printf 'LER 2 GML ingest is %.2fx the speed of ogr2ogr on the GeoJSON\n' "$(echo "$os / $gs" | bc -l)"
