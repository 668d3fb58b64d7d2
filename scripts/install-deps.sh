#!/usr/bin/env bash
# Installs everything Caudal needs to build and test on Debian 12 (bookworm), as root.
# Idempotent: asks dpkg what is missing and only then touches apt, so a second run
# is a no-op that takes well under a second.
#
# Versions relied on (Debian 12 bookworm, May 2025 point release):
#   package                  version              why it matters
#   libcaf-dev               0.17.6-2.1+b1        actor runtime; the code targets the 0.17 API only
#   g++                      12.2.0               C++20
#   cmake                    3.25.1               cmake_minimum_required(3.25)
#   librdkafka-dev           2.0.2-1              `caudal` client subcommands (no IncrementalAlterConfigs)
#   libboost-test-dev        1.74.0.3             unit tests
#   libcli11-dev             2.1.2+ds-1           command-line parsing
#   kcat                     1.7.1-2              integration tests
#   python3-confluent-kafka  1.7.0-4              integration tests
#   python3-kafka            2.0.2-3              integration tests (kafka-python)
#   nodejs / npm             18.19 / 9.2 (Debian) integration tests (kafkajs 2.2.4, pinned in
#                            tests/integration/package-lock.json); node 20 from nodesource also works
#   clang / libclang-rt-14-dev 14.0.6             fuzz targets (libFuzzer ships in libclang-rt-14-dev)
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps.sh: must run as root (it calls apt-get)" >&2
  exit 1
fi

BUILD_PACKAGES=(build-essential g++ cmake ninja-build ccache pkg-config git ca-certificates)
LIB_PACKAGES=(libcaf-dev liblmdb-dev libcereal-dev libboost-test-dev libboost-dev
  libboost-system-dev nlohmann-json3-dev libfmt-dev libspdlog-dev libcli11-dev zlib1g-dev
  libsnappy-dev liblz4-dev libzstd-dev librdkafka-dev)
TEST_PACKAGES=(kcat python3 python3-confluent-kafka python3-kafka procps)
# Clang with libFuzzer for the fuzz targets: libFuzzer's runtime (libclang_rt.fuzzer) is in
# libclang-rt-14-dev on Debian 12.
FUZZ_PACKAGES=(clang libclang-rt-14-dev)
# nodejs/npm are checked by command, not by package: a nodesource nodejs bundles npm and
# conflicts with Debian's npm package.
NODE_PACKAGES=(nodejs npm)

missing=()
for pkg in "${BUILD_PACKAGES[@]}" "${LIB_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$pkg")
  fi
done
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=("${NODE_PACKAGES[@]}")
fi

if ((${#missing[@]} > 0)); then
  echo "install-deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "install-deps.sh: all system packages present"
fi

# The code is written against CAF 0.17's API (0.18 and later changed it incompatibly).
caf_version=$(dpkg-query -W -f='${Version}' libcaf-dev)
if [[ ! $caf_version =~ ^0\.17\. ]]; then
  echo "install-deps.sh: libcaf-dev $caf_version is installed, Caudal needs CAF 0.17.x" >&2
  exit 1
fi

# kafkajs for the Node.js integration tests, pinned by the committed package-lock.json.
repo_root=$(cd "$(dirname "$0")/.." && pwd)
node_dir="$repo_root/tests/integration"
if ! cmp -s "$node_dir/package-lock.json" "$node_dir/node_modules/.package-lock.json.installed" 2>/dev/null; then
  echo "install-deps.sh: npm ci in tests/integration"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$node_dir/package-lock.json" "$node_dir/node_modules/.package-lock.json.installed"
fi
