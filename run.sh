#!/usr/bin/env bash
# Installs dependencies, builds Caudal (optimized) and runs a single node on 127.0.0.1:9092.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
# Same build type as test.sh (optimized, with debug info), so the two share one build.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$(nproc)" --target caudal
exec build/cmd/caudal node --config configs/single-node.properties
