#!/bin/bash
# usage: measure_batching.sh CAUDAL_BIN PROBE_BIN LABEL BASE_PORT [--old-layout]
# 3 nodes, topic "idle" with 300 partitions RF=3, healthy + 10 s, then 30 s
# idle: router frames/messages (probe), node CPU (utime+stime), TCP data
# segments on the inter-node connections (ss).
set -u
BIN=$1; PROBE=$2; LABEL=$3; BASE=$4; LAYOUT=${5:-}
DIR=/tmp/bench-batch-$LABEL
NODES="127.0.0.1:$((BASE+100)) 127.0.0.1:$((BASE+101)) 127.0.0.1:$((BASE+102))"
rm -rf "$DIR"
"$BIN" cluster up --nodes 3 --dir "$DIR" --base-port "$BASE" >/dev/null || exit 1
trap '"$BIN" cluster down --dir "$DIR" >/dev/null' EXIT
"$BIN" --timeout-ms 60000 -X 127.0.0.1:$BASE topic create idle -p 300 -r 3 >/dev/null || exit 1
for i in $(seq 1 120); do
  OUT=$("$BIN" -X 127.0.0.1:$BASE cluster status 2>/dev/null)
  if echo "$OUT" | grep -Eq '^PARTITIONS +300 *$' && echo "$OUT" | grep -Eq '^UNDER-REPLICATED +0 *$' &&
     echo "$OUT" | grep -Eq '^OFFLINE +0 *$'; then echo "healthy after $i s"; break; fi
  sleep 1
done
sleep 10
PIDS=$(for f in "$DIR"/node*.pid; do head -1 "$f"; done)
ticks() { for p in $PIDS; do awk '{print $14+$15}' /proc/$p/stat; done | paste -sd+ | bc; }
segs() { ss -tinH state established "( sport >= :$((BASE+100)) and sport <= :$((BASE+102)) ) or ( dport >= :$((BASE+100)) and dport <= :$((BASE+102)) )" |
         awk '{k=$3" "$4; getline; if (match($0, /data_segs_out:[0-9]+/)) print k, substr($0, RSTART+14, RLENGTH-14)}'; }
P0=$("$PROBE" $LAYOUT $NODES) || exit 1; T0=$(ticks); S0=$(segs); W0=$(date +%s.%N)
sleep 30
P1=$("$PROBE" $LAYOUT $NODES) || exit 1; T1=$(ticks); S1=$(segs); W1=$(date +%s.%N)
WALL=$(echo "$W1-$W0" | bc)
# frames, batches, messages received by the three routers, per second
paste <(echo "$P0") <(echo "$P1") | awk -v w=$WALL -v l=$LABEL '{f+=$10-$3; b+=$12-$5; m+=$14-$7}
  END {printf "%s: router frames/s %.0f batches/s %.0f messages/s %.0f (%.1f messages/frame)\n", l, f/w, b/w, m/w, m/f}'
# TCP data segments sent by both ends of every inter-node connection (each
# socket is keyed by its address pair; counted where both snapshots have it)
SEGS=$(join <(echo "$S0" | awk '{print $1"|"$2, $3}' | sort) <(echo "$S1" | awk '{print $1"|"$2, $3}' | sort) | awk '{s+=$3-$2} END {print s+0}')
echo "$LABEL: inter-node TCP data segments/s $(echo "scale=0; $SEGS/$WALL" | bc)"
echo "$LABEL: node CPU $(echo "scale=2; ($T1-$T0)/$(getconf CLK_TCK)" | bc) s over $WALL s (3 nodes)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
