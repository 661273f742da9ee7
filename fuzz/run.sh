#!/usr/bin/env bash
# Seeds the fuzz corpora from the shared real data and runs each target.
#
#   fuzz/run.sh [TARGET...]          all targets when none is named
#
# Environment:
#   FUZZ_SECONDS           seconds per target (default 600)
#   FUZZ_PARALLEL          targets run at once (default 1)
#   FUZZ_YIELD_TO_BUILDS=1 start a further target only while no rustc runs
#   FORSYNING_SHARED_DATA  the shared data (default ../shared/data from the repo root)
#   CARGO_TARGET_DIR       where `cargo fuzz build` puts the binaries (default /work/target-fuzz)
#   CARGO                  the cargo to build with (default /work/bin/xcargo if present, else cargo)
#   FUZZ_NO_BUILD=1        run the binaries already built
#   FUZZ_SANITIZER         passed to `cargo fuzz build --sanitizer` (default address)
#   FUZZ_FEATURES=api      also build dig_intake (depends on forsyning-api; heavy)
#
# Prints one summary line per target:
#   target=ler2 seconds=600 executions=1234567 crashes=0 corpus=812 result=ok
# Logs go to fuzz/logs/TARGET.log, crashes to fuzz/artifacts/TARGET/, the
# grown corpora stay in fuzz/corpus/TARGET/ (all ignored by git).
set -euo pipefail

FUZZ_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$FUZZ_DIR/.." && pwd)
DATA=${FORSYNING_SHARED_DATA:-$REPO/../shared/data}
SECONDS_PER=${FUZZ_SECONDS:-600}
PARALLEL=${FUZZ_PARALLEL:-1}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-fuzz}
if [[ -z ${CARGO:-} ]]; then
    if [[ -x /work/bin/xcargo ]]; then CARGO=/work/bin/xcargo; else CARGO=cargo; fi
fi
SANITIZER=${FUZZ_SANITIZER:-address}
ALL=(ler2 imkl geojson nmea rinex dig_polygon mvt)
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=("${ALL[@]}")

if [[ ! -d $DATA ]]; then
    echo "run.sh: no shared data at $DATA (set FORSYNING_SHARED_DATA)" >&2
    exit 2
fi

# Per target: the longest input libFuzzer makes (longer seeds are cut to
# it when loaded) and its dictionary.
max_len() {
    case $1 in
        ler2) echo 32768 ;;
        imkl) echo 65536 ;;
        geojson) echo 65536 ;;
        nmea) echo 8192 ;;
        rinex) echo 32768 ;;
        dig_intake | dig_polygon) echo 8192 ;;
        mvt) echo 8192 ;;
    esac
}
dict() {
    case $1 in
        ler2 | imkl) echo "$FUZZ_DIR/dicts/xml.dict" ;;
        geojson | dig_intake | dig_polygon) echo "$FUZZ_DIR/dicts/json.dict" ;;
        nmea) echo "$FUZZ_DIR/dicts/nmea.dict" ;;
        rinex) echo "$FUZZ_DIR/dicts/rinex.dict" ;;
        *) echo "" ;;
    esac
}

# cp SRC into corpus dir DIR under a name made of a prefix and the file's
# path, so seeds from different directories do not overwrite each other.
seed() {
    local dir=$1 src=$2 name
    [[ -f $src ]] || return 0
    if [[ ${3:-} == generated ]]; then
        name=gen-$(basename "$src")
    else
        name=${src#"$DATA"/}
    fi
    name=${name#"$REPO"/}
    name=${name#"$FUZZ_DIR"/}
    name=$(printf '%s' "$name" | tr '/ ' '__')
    cp -f "$src" "$dir/seed-$name"
    chmod u+w "$dir/seed-$name"
}

seed_corpus() {
    local t=$1 dir=$FUZZ_DIR/corpus/$1 f tmp
    mkdir -p "$dir"
    # Our own small seeds (committed).
    if [[ -d $FUZZ_DIR/seeds/$t ]]; then
        for f in "$FUZZ_DIR/seeds/$t"/*; do seed "$dir" "$f"; done
    fi
    case $t in
        ler2)
            for f in "$DATA"/network/ler2/examples/*.xml "$REPO"/fixtures/ler2/*.xml \
                "$REPO"/fixtures/hostile/*.xml "$DATA"/network/inspire/*.gml; do
                seed "$dir" "$f"
            done
            ;;
        imkl)
            for f in "$DATA"/network/imkl/*.xml "$REPO"/fixtures/hostile/imkl_*.zip; do
                seed "$dir" "$f"
            done
            # The deliveries' GML, and small deliveries built around the
            # examples (a whole real delivery is MBs, over max_len).
            tmp=$(mktemp -d)
            for f in "$DATA"/network/imkl/Levering_*.zip; do
                [[ -f $f ]] || continue
                unzip -q -o -j "$f" '*GI_gebiedsinformatielevering*' -d "$tmp" || true
            done
            for f in "$tmp"/*; do seed "$dir" "$f" generated; done
            for f in "$DATA"/network/imkl/example-*.xml; do
                [[ -f $f ]] || continue
                mkdir -p "$tmp/zip/1/bronnen"
                cp "$f" "$tmp/zip/1/GI_gebiedsinformatielevering_1_V2.xml"
                printf 'x' >"$tmp/zip/1/bronnen/a.pdf"
                (cd "$tmp/zip" && zip -q -r "../delivery-$(basename "$f" .xml).zip" 1)
                rm -rf "$tmp/zip"
                seed "$dir" "$tmp/delivery-$(basename "$f" .xml).zip" generated
            done
            rm -rf "$tmp"
            ;;
        geojson)
            for f in "$DATA"/terrain/malstroem/*.geojson "$DATA"/terrain/malstroem/*.json \
                "$REPO"/fixtures/geojson/*.geojson "$REPO"/fixtures/mapping/*.geojson \
                "$REPO"/fixtures/hostile/*.geojson; do
                seed "$dir" "$f"
            done
            ;;
        nmea)
            for f in "$DATA"/gnss/gpsd/*.log; do seed "$dir" "$f"; done
            ;;
        rinex)
            for f in "$DATA"/gnss/rinex/*; do seed "$dir" "$f"; done
            tmp=$(mktemp -d)
            for f in "$DATA"/gnss/rinex/*.gz; do
                [[ -f $f ]] || continue
                gzip -dc "$f" >"$tmp/$(basename "$f" .gz)"
                # The header and the first records: a small input that
                # reaches the record parser.
                head -c 6000 "$tmp/$(basename "$f" .gz)" >"$tmp/head-$(basename "$f" .gz)"
            done
            for f in "$DATA"/gnss/rinex/*.crx; do
                [[ -f $f ]] || continue
                # The header without its long PRN / # OF OBS table, and the
                # first epochs.
                grep -v 'PRN / # OF OBS' "$f" | head -n 160 >"$tmp/short-$(basename "$f")"
            done
            for f in "$tmp"/*; do seed "$dir" "$f" generated; done
            rm -rf "$tmp"
            ;;
        dig_polygon) # the same bodies as dig_intake; the shared data holds no dig requests
            for f in "$FUZZ_DIR"/seeds/dig_intake/*; do seed "$dir" "$f"; done
            ;;
        dig_intake) ;; # only our own seeds: the shared data holds no dig requests
        mvt)
            for f in "$DATA"/tiles/mvt-fixtures/*/tile.mvt; do seed "$dir" "$f"; done
            ;;
    esac
}

if [[ ${FUZZ_NO_BUILD:-0} != 1 ]]; then
    (cd "$FUZZ_DIR" && "$CARGO" +nightly fuzz build -O -a --sanitizer "$SANITIZER" ${FUZZ_FEATURES:+--features "$FUZZ_FEATURES"}) >&2
fi
BIN_DIR=$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release

run_one() {
    local t=$1 log=$FUZZ_DIR/logs/$1.log art=$FUZZ_DIR/artifacts/$1/ d start end rc
    local -a args
    mkdir -p "$FUZZ_DIR/logs" "$art"
    seed_corpus "$t"
    args=(-max_total_time="$SECONDS_PER" -max_len="$(max_len "$t")" -timeout=30
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art")
    d=$(dict "$t")
    [[ -n $d ]] && args+=(-dict="$d")
    local before after
    before=$(find "$art" -type f | wc -l)
    start=$(date +%s)
    rc=0
    "$BIN_DIR/$t" "${args[@]}" "$FUZZ_DIR/corpus/$t" >"$log" 2>&1 || rc=$?
    end=$(date +%s)
    after=$(find "$art" -type f | wc -l)
    local execs corpus result
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    corpus=$(find "$FUZZ_DIR/corpus/$t" -type f | wc -l)
    if [[ $rc -eq 0 && $after -eq $before ]]; then result=ok; else result="FAILED(rc=$rc)"; fi
    echo "target=$t seconds=$((end - start)) executions=${execs:-?} crashes=$((after - before)) corpus=$corpus result=$result"
}

for t in "${TARGETS[@]}"; do
    if [[ ! -x $BIN_DIR/$t ]]; then
        echo "target=$t seconds=0 executions=0 crashes=0 corpus=0 result=NOT_BUILT"
        continue
    fi
    run_one "$t" &
    # With FUZZ_YIELD_TO_BUILDS=1 a further target starts only while no
    # rustc runs (a shared machine: a build then gets the other core).
    while true; do
        running=$(jobs -rp | wc -l)
        cap=$PARALLEL
        if [[ ${FUZZ_YIELD_TO_BUILDS:-0} == 1 ]] && pgrep -x rustc >/dev/null; then cap=1; fi
        [[ $running -ge $cap ]] || break
        sleep 5
    done
done
wait
