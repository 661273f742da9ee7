#!/usr/bin/env bash
# Acceptance of issue 13: the status page reflects a stopped PostgreSQL
# within 10 seconds, and recovers when it comes back.
#
# Starts a private throwaway PostgreSQL cluster (initdb + pg_ctl, port
# 55432, under a temporary directory; never the machine's shared cluster),
# serves Forsyning on it, stops the cluster and times how long
# /api/v1/status takes to say the store is down, then starts it again.
#   scripts/status_pg_stop.sh [path/to/forsyning]
set -euo pipefail
BIN=${1:-${CARGO_TARGET_DIR:-target}/debug/forsyning}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PORT=${PG_PORT:-55432}
API=127.0.0.1:${API_PORT:-58080}
DIR=$(mktemp -d /tmp/forsyning-pgstop.XXXXXX)
chown postgres "$DIR" 2>/dev/null || true
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
SERVER=
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  as_pg "$PGBIN/pg_ctl -D $DIR/data -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
as_pg "$PGBIN/initdb -D $DIR/data -U postgres --auth=trust" >/dev/null
as_pg "$PGBIN/pg_ctl -D $DIR/data -o '-p $PORT -k $DIR -c listen_addresses=127.0.0.1' -l $DIR/pg.log -w start" >/dev/null
URL=postgres://postgres@127.0.0.1:$PORT/postgres
"$BIN" serve --store "$URL" --listen "$API" >"$DIR/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -fs "http://$API/healthz" >/dev/null && break; sleep 0.2; done
store_status() {
  curl -s --max-time 5 "http://$API/api/v1/status" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print([c["status"] for c in d["components"] if c["name"]=="store"][0])'
}
[ "$(store_status)" = operational ] || { echo "FAIL: store not operational at start"; exit 1; }
echo "store operational; stopping PostgreSQL"
as_pg "$PGBIN/pg_ctl -D $DIR/data -m fast -w stop" >/dev/null
t0=$(date +%s.%N)
while :; do
  s=$(store_status || echo error)
  now=$(date +%s.%N)
  el=$(python3 -c "print(round($now-$t0,2))")
  if [ "$s" = down ]; then echo "status page: store down after ${el} s"; break; fi
  if python3 -c "import sys; sys.exit(0 if $now-$t0 > 10 else 1)"; then echo "FAIL: still '$s' after 10 s"; exit 1; fi
  sleep 0.5
done
curl -s -o /dev/null -w "GET /status answers %{http_code} while the store is down\n" "http://$API/status"
as_pg "$PGBIN/pg_ctl -D $DIR/data -o '-p $PORT -k $DIR -c listen_addresses=127.0.0.1' -l $DIR/pg.log -w start" >/dev/null
t0=$(date +%s.%N)
for _ in $(seq 40); do
  if [ "$(store_status || true)" = operational ]; then
    echo "store operational again after $(python3 -c "print(round($(date +%s.%N)-$t0,2))") s"
    echo PASS; exit 0
  fi
  sleep 0.5
done
echo "FAIL: store did not recover within 20 s"; exit 1
