#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, library code
# coverage-instrumented) and runs each for N seconds (default 30), seeded
# from the captured batches and frames. Exits non-zero on a crash or a
# broken invariant; the reproducer is left in the build directory.
#   tests/fuzz/run_libfuzzer.sh [seconds] [target...]
# Needs clang and libFuzzer's runtime (Debian: libclang-rt-14-dev).
set -euo pipefail

seconds=${1:-30}
shift || true
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${CAUDAL_FUZZ_BUILD_DIR:-$root/build-fuzz}
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(fuzz_batch fuzz_frame)

CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
  >/dev/null

built=()
for t in "${targets[@]}"; do
  if cmake --build "$build" -j2 --target "$t"; then
    built+=("$t")
  else
    echo "run_libfuzzer: cannot build $t (is tests/fuzz added in tests/CMakeLists.txt?)" >&2
    exit 2
  fi
done

for t in "${built[@]}"; do
  corpus="$build/fuzz-corpus/$t"
  mkdir -p "$corpus"
  seeds=()
  case $t in
  fuzz_batch) seeds=("$root/tests/data/batches") ;;
  fuzz_frame) [[ -d $root/tests/data/frames ]] && seeds=("$root/tests/data/frames") ;;
  esac
  echo "== $t for ${seconds}s"
  (cd "$build" && "./tests/fuzz/$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 "$corpus" "${seeds[@]}")
done
