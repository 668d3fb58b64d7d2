#!/usr/bin/env bash
# Installs dependencies, builds Caudal (Release) and runs a single node on 127.0.0.1:9092.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)" --target caudal
exec build/cmd/caudal node --config configs/single-node.properties
