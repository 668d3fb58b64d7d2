#!/bin/bash
# usage: measure_latency.sh CAUDAL_BIN LABEL BASE_PORT
set -u
BIN=$1; LABEL=$2; BASE=$3; DIR=/tmp/bench-lat-$LABEL
rm -rf "$DIR"
"$BIN" cluster up --nodes 3 --dir "$DIR" --base-port "$BASE" >/dev/null || exit 1
trap '"$BIN" cluster down --dir "$DIR" >/dev/null' EXIT
"$BIN" --timeout-ms 60000 -X 127.0.0.1:$BASE topic create idle -p 300 -r 3 >/dev/null || exit 1
"$BIN" --timeout-ms 60000 -X 127.0.0.1:$BASE topic create lat -p 1 -r 3 >/dev/null || exit 1
sleep 15
echo -n "$LABEL: "; /usr/bin/python3 "$(dirname "$0")/acks_latency.py" 127.0.0.1:$BASE lat 500
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
