#!/usr/bin/env bash
# Installs dependencies, builds everything and runs every test (unit, integration, sim).
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$(nproc)"
# Integration tests pick free ports themselves, so tests can run side by side.
ctest --test-dir build --output-on-failure -j 2
