#!/usr/bin/env bash
# Configures and builds Retort into ./build (Release, Ninja, ccache and torch PCH when present).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j "$(nproc)"
