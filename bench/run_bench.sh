#!/usr/bin/env bash
# One benchmark run of a single Caudal node, in one go: build, machine limits, start the node,
# produce / consume / fixed-rate latency runs with caudal-load, peak RSS, then a Markdown table
# (printed, and written into docs/benchmarks.md unless UPDATE_DOC=0).
#
# Knobs (environment): BUILD_DIR (default <repo>/build-bench), MESSAGES (1000000),
# DURATION_S (30: the produce run stops at MESSAGES or DURATION_S, whichever comes first),
# SIZE (1024), LAT_RATE (5000 msgs/s), LAT_DURATION_S (20), LIMIT_SECONDS (3), LIMIT_REPEAT (3),
# BENCH_TMP (/tmp: where the node's data and the scratch files go), KEEP=1 keeps them,
# UPDATE_DOC=0 leaves docs/benchmarks.md alone, NOTE="..." adds a line to the report,
# SECTION=name writes a separate generated section (default: main, the standard run).
# NODE_SET="key=value ..." overrides node properties for every node of the run (e.g.
# NODE_SET=listener.impl=caf).
# FSYNC_RUN=0 skips the durable run (a second node with log.flush.interval.messages=1, producing
# FSYNC_MESSAGES (500000) or DURATION_S, whichever ends first).
# BROKER=mock runs the same steps against librdkafka's in-memory mock cluster instead of a
# Caudal node: a self-check of the tooling only (its numbers are not Caudal's; the mock keeps
# only a few MiB per partition, so use e.g. MESSAGES=10000).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$REPO/build-bench}
MESSAGES=${MESSAGES:-1000000}
DURATION_S=${DURATION_S:-30}
SIZE=${SIZE:-1024}
LAT_RATE=${LAT_RATE:-5000}
LAT_DURATION_S=${LAT_DURATION_S:-20}
BROKER=${BROKER:-node}
PY=/usr/bin/python3
LOAD_EXTRA=()
DURABLE_ARGS=()
INVOCATION="$(for v in BROKER MESSAGES DURATION_S SIZE LAT_RATE LAT_DURATION_S FSYNC_RUN \
  FSYNC_MESSAGES NODE_SET SECTION; do [[ -n ${!v:-} ]] && printf '%s=%q ' "$v" "${!v}"; done)"
INVOCATION+="bench/run_bench.sh${*:+ $*}"

WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/caudal-bench.XXXXXX")
NODE_PID=""
COMMANDS=$WORK/commands.txt
: >"$COMMANDS"

log() { printf '[run_bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

cleanup() {
  if [[ -n $NODE_PID ]] && kill -0 "$NODE_PID" 2>/dev/null; then kill -KILL "$NODE_PID"; fi
  if [[ ${KEEP:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Runs a command, recording it (with paths relative to the repo) for the report.
run_logged() {
  printf '%s\n' "$*" | sed -e "s#$BUILD/#build/#g" -e "s#$REPO/##g" -e "s#$WORK#\$WORK#g" \
    >>"$COMMANDS"
  "$@"
}

build_bench() {
  log "building target bench in $BUILD"
  [[ -f $BUILD/build.ninja || -f $BUILD/Makefile ]] ||
    cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2 || return 1
  cmake --build "$BUILD" --target bench -j2 >&2 || return 1
  "$BUILD/bench/caudal-load-test" >&2
}

build_node() {
  [[ $BROKER == mock ]] && return 0
  log "building target caudal in $BUILD"
  cmake --build "$BUILD" --target caudal -j2 >&2
}

node_rss_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

start_mock() {
  NODE_CMD="build/bench/caudal-mock-broker 1 bench-throughput:1 bench-latency:1"
  LOAD_EXTRA=(--no-create)
  "$BUILD/bench/caudal-mock-broker" 1 bench-throughput:1 bench-latency:1 >"$WORK/mock.addr" \
    2>"$WORK/node.log" &
  NODE_PID=$!
  for _ in $(seq 1 50); do
    BOOT=$(head -1 "$WORK/mock.addr")
    [[ -n $BOOT ]] && return 0
    sleep 0.1
  done
  return 1
}

# start_node NAME [--set key=value ...]: a node with config $WORK/NAME.properties, data in
# $WORK/data/NAME (the filesystem the machine limits were measured on).
start_node() {
  [[ $BROKER == mock ]] && { start_mock; return; }
  local name=$1 kv
  shift
  for kv in ${NODE_SET:-}; do set -- "$@" --set "$kv"; done
  BOOT=$($PY "$REPO/bench/bench_tools.py" config --template "$REPO/configs/single-node.properties" \
    --out "$WORK/$name.properties" --data-dir "$WORK/data/$name" "$@") || return 1
  log "starting $name on $BOOT (log: $WORK/$name.log)"
  "$BUILD/cmd/caudal" node --config "$WORK/$name.properties" >"$WORK/$name.log" 2>&1 &
  NODE_PID=$!
  NODE_NAME=$name
  for _ in $(seq 1 300); do
    if ! kill -0 "$NODE_PID" 2>/dev/null; then
      log "$name exited during start-up:"; tail -20 "$WORK/$name.log" >&2; NODE_PID=""; return 1
    fi
    # Ready = the Kafka listener answers a Metadata request.
    if kcat -L -b "$BOOT" -m 2 >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  log "$name did not answer Metadata within 60 s"; return 1
}

# Stops the running node with SIGTERM; sets LAST_RSS_KIB; adds to NODE_NOTES and fails if the
# node did not exit cleanly.
stop_node() {
  [[ -n $NODE_PID ]] || return 0
  LAST_RSS_KIB=$(node_rss_kib "$NODE_PID")
  kill -TERM "$NODE_PID"
  for _ in $(seq 1 150); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
  local status killed=0 problem=""
  if kill -0 "$NODE_PID" 2>/dev/null; then
    log "$NODE_NAME ignored SIGTERM for 15 s; killing it"; kill -KILL "$NODE_PID"; killed=1
    problem="$NODE_NAME did not stop within 15 s of SIGTERM"
  fi
  wait "$NODE_PID" 2>/dev/null
  status=$?
  NODE_PID=""
  if [[ $killed == 0 && $status != 0 ]]; then
    problem="$NODE_NAME exited with status $status after SIGTERM"
    ((status > 128)) && problem+=" (signal $((status - 128)))"
  fi
  [[ -z $problem ]] && return 0
  log "$problem"
  NODE_NOTES="${NODE_NOTES:+$NODE_NOTES; }$problem"
  return 1
}

load_runs() {
  local load="$BUILD/bench/caudal-load" rc=0 delivered
  log "produce run: $MESSAGES x $SIZE B, acks=1, 1 producer (at most ${DURATION_S} s)"
  run_logged "$load" -b "$BOOT" -t bench-throughput --mode produce --messages "$MESSAGES" \
    --duration-s "$DURATION_S" --size "$SIZE" --acks 1 --producers 1 --partitions 1 --json \
    "${LOAD_EXTRA[@]}" >"$WORK/produce.json" || rc=1
  delivered=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["produce"]["messages"])' \
    "$WORK/produce.json" 2>/dev/null || echo 0)
  if [[ $delivered -gt 0 ]]; then
    log "consume run: read the $delivered messages back"
    run_logged "$load" -b "$BOOT" -t bench-throughput --mode consume --messages "$delivered" \
      --json >"$WORK/consume.json" || rc=1
  fi
  log "latency run: $LAT_RATE msgs/s for $LAT_DURATION_S s, produce and consume together"
  run_logged "$load" -b "$BOOT" -t bench-latency --mode both --rate "$LAT_RATE" \
    --duration-s "$LAT_DURATION_S" --size "$SIZE" --acks 1 --producers 1 --partitions 1 --json \
    "${LOAD_EXTRA[@]}" >"$WORK/latency.json" || rc=1
  return $rc
}

# A second node that fsyncs before every acknowledgement: the durable configuration.
durable_run() {
  [[ $BROKER == mock || ${FSYNC_RUN:-1} == 0 ]] && return 0
  local rc=0 messages=${FSYNC_MESSAGES:-500000}
  DURABLE_ARGS=(--durable "$WORK/durable.json")
  NODE_CMD+=" (durable run: \$WORK/node-fsync.properties, the same plus log.flush.interval.messages=1)"
  start_node node-fsync --set log.flush.interval.messages=1 || { stop_node; return 1; }
  log "durable produce run: $messages x $SIZE B, acks=1, fsync per append (at most ${DURATION_S} s)"
  run_logged "$BUILD/bench/caudal-load" -b "$BOOT" -t bench-durable --mode produce \
    --messages "$messages" --duration-s "$DURATION_S" --size "$SIZE" --acks 1 --producers 1 \
    --partitions 1 --json >"$WORK/durable.json" || rc=1
  stop_node || rc=1
  return $rc
}

main() {
  local rc=0 node_ran=() note=${NOTE:-}
  NODE_NAME=node
  RSS_KIB=0 NODE_NOTES="" NODE_CMD="build/cmd/caudal node --config \$WORK/node.properties"
  [[ -n ${NODE_SET:-} ]] && NODE_CMD+=" (configs/single-node.properties plus $NODE_SET)"
  build_bench || { log "building the bench tools failed"; return 1; }
  mkdir -p "$WORK/data"
  log "measuring machine limits in $WORK/data"
  run_logged $PY "$REPO/bench/machine_limits.py" --dir "$WORK/data" \
    --seconds "${LIMIT_SECONDS:-3}" --repeat "${LIMIT_REPEAT:-3}" --json "$WORK/limits.json" ||
    return 1
  if ! build_node; then
    rc=1
    note="${note:+$note; }the node did not build, so there are no node numbers in this run"
  elif start_node node; then
    node_ran=(--node-ran)
    load_runs || rc=1
    stop_node || rc=1
    RSS_KIB=${LAST_RSS_KIB:-0}
    durable_run || rc=1
  else
    rc=1
    stop_node
    note="${note:+$note; }the node did not start, so there are no node numbers in this run"
  fi
  [[ $BROKER == mock ]] &&
    note="${note:+$note; }BROKER=mock: librdkafka's mock cluster, a tooling self-check, not Caudal"
  [[ -n $NODE_NOTES ]] && note="${note:+$note; }$NODE_NOTES"
  local doc=()
  [[ ${UPDATE_DOC:-1} == 1 ]] && doc=(--doc "$REPO/docs/benchmarks.md" --section "${SECTION:-main}")
  $PY "$REPO/bench/bench_tools.py" report --limits "$WORK/limits.json" \
    --produce "$WORK/produce.json" --consume "$WORK/consume.json" --latency "$WORK/latency.json" \
    "${DURABLE_ARGS[@]}" \
    --rss-kib "${RSS_KIB:-0}" "${node_ran[@]}" --date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    --commit "$(git -C "$REPO" rev-parse --short HEAD)" --command "$INVOCATION" \
    --node-command "$NODE_CMD" --commands "$COMMANDS" --note "$note" "${doc[@]}" || rc=1
  return $rc
}

main "$@"
