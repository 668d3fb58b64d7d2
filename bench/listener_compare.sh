#!/usr/bin/env bash
# Boost.Asio listener vs CAF io-broker listener (listener.impl=asio|caf), same machine, same run.
# Each round starts one node per implementation (asio first, then caf) from
# configs/single-node.properties with free ports and scratch data, and runs with caudal-load:
# produce MESSAGES x SIZE B acks=1, consume them back, a fixed-rate latency run (--mode both),
# then PIPE_REQUESTS small requests (ApiVersions v0 and Metadata v0) sent PIPE_DEPTH at a time
# over one connection by a small Python client (requests/s). Prints a Markdown table.
#
# Knobs (environment): BUILD_DIR (default <repo>/build-listener), ROUNDS (2), MESSAGES (300000),
# SIZE (1024), DURATION_S (60: the produce run stops at MESSAGES or DURATION_S), LAT_RATE
# (5000), LAT_DURATION_S (10), PIPE_REQUESTS (20000), PIPE_DEPTH (16), BUILD=0 skips the build,
# LOAD (caudal-load to use; default $BUILD_DIR/bench/caudal-load), BENCH_TMP (/tmp), KEEP=1
# keeps the scratch dir.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build-listener}
ROUNDS=${ROUNDS:-2}
MESSAGES=${MESSAGES:-300000}
SIZE=${SIZE:-1024}
DURATION_S=${DURATION_S:-60}
LAT_RATE=${LAT_RATE:-5000}
LAT_DURATION_S=${LAT_DURATION_S:-10}
PIPE_REQUESTS=${PIPE_REQUESTS:-20000}
PIPE_DEPTH=${PIPE_DEPTH:-16}
PY=/usr/bin/python3
LOAD=${LOAD:-$BUILD_DIR/bench/caudal-load}
WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/caudal-listener.XXXXXX")
NODE_PID=""

log() { printf '[listener_compare %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

cleanup() {
  if [[ -n $NODE_PID ]] && kill -0 "$NODE_PID" 2>/dev/null; then kill -KILL "$NODE_PID"; fi
  if [[ ${KEEP:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# start_node NAME IMPL: a node with listener.impl=IMPL; sets BOOT and NODE_PID.
start_node() {
  local name=$1 impl=$2
  BOOT=$($PY "$REPO/bench/bench_tools.py" config --template "$REPO/configs/single-node.properties" \
    --out "$WORK/$name.properties" --data-dir "$WORK/data/$name" --set "listener.impl=$impl") ||
    return 1
  log "starting $name (listener.impl=$impl) on $BOOT"
  "$BUILD_DIR/cmd/caudal" node --config "$WORK/$name.properties" >"$WORK/$name.log" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 1 300); do
    kill -0 "$NODE_PID" 2>/dev/null || { tail -20 "$WORK/$name.log" >&2; NODE_PID=""; return 1; }
    kcat -L -b "$BOOT" -m 2 >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  log "$name did not answer Metadata within 60 s"
  return 1
}

# Stops the node with SIGTERM; fails if it needs SIGKILL or exits non-zero.
stop_node() {
  [[ -n $NODE_PID ]] || return 0
  kill -TERM "$NODE_PID"
  for _ in $(seq 1 150); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$NODE_PID" 2>/dev/null; then
    log "node ignored SIGTERM for 15 s; killing it"
    kill -KILL "$NODE_PID"
    wait "$NODE_PID" 2>/dev/null
    NODE_PID=""
    return 1
  fi
  wait "$NODE_PID"
  local status=$?
  NODE_PID=""
  [[ $status == 0 ]] || { log "node exited with status $status"; return 1; }
}

# The pipelined small-request client: sends DEPTH requests back to back, reads the DEPTH
# responses (checking sizes and correlation ids), repeats until COUNT; prints JSON.
pipeline_client() {
  $PY - "$@" <<'EOF'
import json, socket, struct, sys, time
host, port = sys.argv[1].rsplit(":", 1)
api, count, depth = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
key = {"apiversions": 18, "metadata": 3}[api]
body = b"" if api == "apiversions" else struct.pack(">i", 0)  # Metadata v0: no topics = all
def request(corr):
    head = struct.pack(">hhih", key, 0, corr, 4) + b"pipe"
    return struct.pack(">i", len(head) + len(body)) + head + body
sock = socket.create_connection((host, int(port)))
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
buf, done, corr = bytearray(), 0, 0
start = time.perf_counter()
while done < count:
    n = min(depth, count - done)
    sock.sendall(b"".join(request(corr + i) for i in range(n)))
    got = 0
    while got < n:
        while len(buf) >= 4 and len(buf) >= 4 + struct.unpack_from(">i", buf)[0]:
            size = struct.unpack_from(">i", buf)[0]
            if struct.unpack_from(">i", buf, 4)[0] != corr + got:
                sys.exit(f"correlation id {struct.unpack_from('>i', buf, 4)[0]} != {corr + got}")
            del buf[:4 + size]
            got += 1
        if got < n:
            chunk = sock.recv(1 << 20)
            if not chunk:
                sys.exit("connection closed by the node")
            buf += chunk
    done += n
    corr += n
secs = time.perf_counter() - start
print(json.dumps({"requests": done, "seconds": secs, "rps": done / secs}))
EOF
}

# One node's runs; results in $WORK/<name>.{produce,consume,latency,apiversions,metadata}.json.
node_runs() {
  local name=$1 impl=$2 rc=0 delivered
  start_node "$name" "$impl" || { stop_node; return 1; }
  log "$name: produce $MESSAGES x $SIZE B, acks=1"
  "$LOAD" -b "$BOOT" -t bench-throughput --mode produce --messages "$MESSAGES" \
    --duration-s "$DURATION_S" --size "$SIZE" --acks 1 --producers 1 --partitions 1 --json \
    >"$WORK/$name.produce.json" || rc=1
  delivered=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["produce"]["messages"])' \
    "$WORK/$name.produce.json" 2>/dev/null || echo 0)
  log "$name: consume $delivered back"
  "$LOAD" -b "$BOOT" -t bench-throughput --mode consume --messages "$delivered" --json \
    >"$WORK/$name.consume.json" || rc=1
  log "$name: latency run, $LAT_RATE msgs/s for $LAT_DURATION_S s"
  "$LOAD" -b "$BOOT" -t bench-latency --mode both --rate "$LAT_RATE" \
    --duration-s "$LAT_DURATION_S" --size "$SIZE" --acks 1 --producers 1 --partitions 1 --json \
    >"$WORK/$name.latency.json" || rc=1
  for api in apiversions metadata; do
    log "$name: $PIPE_REQUESTS $api requests, $PIPE_DEPTH in flight"
    pipeline_client "$BOOT" "$api" "$PIPE_REQUESTS" "$PIPE_DEPTH" >"$WORK/$name.$api.json" || rc=1
  done
  stop_node || rc=1
  return $rc
}

report() {
  $PY - "$WORK" "$ROUNDS" <<'EOF'
import json, os, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def load(name, part):
    path = os.path.join(work, f"{name}.{part}.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
def cells(name):
    p, c, l = load(name, "produce"), load(name, "consume"), load(name, "latency")
    a, m = load(name, "apiversions"), load(name, "metadata")
    def get(d, *path, fmt="{:.0f}", scale=1.0):
        for k in path:
            if not isinstance(d, dict) or k not in d:
                return "–"
            d = d[k]
        return fmt.format(d * scale)
    ms = dict(fmt="{:.2f}", scale=1e-3)
    return [get(p, "produce", "msgs_per_s"), get(p, "produce", "mib_per_s", fmt="{:.1f}"),
            get(c, "consume", "msgs_per_s"), get(c, "consume", "mib_per_s", fmt="{:.1f}"),
            get(l, "produce", "latency", "p50_us", **ms), get(l, "produce", "latency", "p99_us", **ms),
            get(l, "consume", "e2e_latency", "p50_us", **ms),
            get(l, "consume", "e2e_latency", "p99_us", **ms),
            get(a, "rps"), get(m, "rps")]
print("| listener | round | produce msgs/s | produce MiB/s | consume msgs/s | consume MiB/s | "
      "ack p50 ms | ack p99 ms | e2e p50 ms | e2e p99 ms | ApiVersions req/s | Metadata req/s |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for impl in ("asio", "caf"):
    for r in range(1, rounds + 1):
        print(f"| {impl} | {r} | " + " | ".join(cells(f"{impl}-{r}")) + " |")
EOF
}

main() {
  local rc=0
  if [[ ${BUILD:-1} == 1 ]]; then
    log "building caudal and caudal-load in $BUILD_DIR"
    [[ -f $BUILD_DIR/build.ninja ]] ||
      cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2 || return 1
    cmake --build "$BUILD_DIR" --target caudal caudal-load -j2 >&2 || return 1
  fi
  mkdir -p "$WORK/data"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$REPO" rev-parse --short HEAD)"
  echo "- load average at the start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
  for r in $(seq 1 "$ROUNDS"); do
    for impl in asio caf; do node_runs "$impl-$r" "$impl" || rc=1; done
  done
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  report || rc=1
  return $rc
}

main "$@"
