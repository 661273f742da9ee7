#!/usr/bin/env bash
# Depression filling side by side: forsyning vs richdem's FillDepressions
# (PyPI richdem2) on the same GeoTIFFs, checking both fills agree, plus our
# bluespot throughput. Peak memory by /usr/bin/time -v.
#
#   benches/scripts/terrain_vs_richdem.sh [CELLS_SIDE]   # default 10000 (100 M cells)
#
# Needs: cargo, python3 with richdem2, numpy and rasterio (pip install richdem2 rasterio),
# /usr/bin/time. Writes to $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
side=${1:-10000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/forsyning/target}
# Dev profile: the workspace optimises forsyning-terrain at opt-level 3 there
# (Cargo.toml), so no release build of PROJ is needed.
# TERRAIN_BIN=path skips the build (an already built example).
bin=${TERRAIN_BIN:-$CARGO_TARGET_DIR/debug/examples/terrain}
[ -n "${TERRAIN_BIN:-}" ] || cargo build -q -p forsyning-benches --example terrain
shared=${FORSYNING_SHARED_DATA:-../shared/data}

peak() { grep "Maximum resident" "$1" | awk '{print $NF}'; }  # KiB

run() { # name dem
  local name=$1 dem=$2
  /usr/bin/time -v "$bin" fill "$dem" "$tmp/$name-ours.tif" >"$tmp/ours.json" 2>"$tmp/ours.time"
  /usr/bin/time -v python3 benches/scripts/richdem_fill.py "$dem" "$tmp/$name-ours.tif" >"$tmp/rd.json" 2>"$tmp/rd.time"
  /usr/bin/time -v "$bin" bluespots "$dem" >"$tmp/bs.json" 2>"$tmp/bs.time" || echo '{}' >"$tmp/bs.json"
  python3 - "$name" "$tmp" "$(peak "$tmp/ours.time")" "$(peak "$tmp/rd.time")" "$(peak "$tmp/bs.time")" <<'PY'
import json, sys
name, tmp, ours_kib, rd_kib, bs_kib = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
last = lambda p: json.loads(open(p).read().strip().splitlines()[-1])  # richdem prints warnings on stdout
o = last(f"{tmp}/ours.json"); r = last(f"{tmp}/rd.json"); b = last(f"{tmp}/bs.json")
f32_mib = o["cells"] * 4 / 2**20
print(f"{name}: {o['cells']:,} cells")
print(f"  fill      forsyning {o['algo_s']:.3f} s ({o['cells_per_s']/1e6:.1f} M cells/s), richdem {r['algo_s']:.3f} s "
      f"({r['cells_per_s']/1e6:.1f} M cells/s): speed ratio {r['algo_s']/o['algo_s']:.2f}x; "
      f"max |diff| {r.get('max_abs_diff_vs_forsyning')} m on {r.get('valid_cells_compared')} cells")
print(f"  peak RSS  forsyning fill {ours_kib/1024:.0f} MiB ({ours_kib/1024/f32_mib:.2f}x the float32 raster), "
      f"richdem {rd_kib/1024:.0f} MiB ({rd_kib/1024/f32_mib:.2f}x)")
if b:
    print(f"  bluespots forsyning {b['algo_s']:.3f} s ({b['cells_per_s']/1e6:.2f} M cells/s), peak {bs_kib/1024:.0f} MiB ({bs_kib/1024/f32_mib:.2f}x)")
PY
}

run malstroem "$shared/terrain/malstroem/dtm.tif"
run pysheds "$shared/terrain/other/pysheds_dem.tif"
run wbt "$shared/terrain/other/wbt_DEM.tif"
"$bin" generate "$tmp/gen.tif" "$side" "$side" 42
run "generated-${side}x${side}" "$tmp/gen.tif"
