#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds, runs every ctest test.
# Reference data is read from $RETORT_SHARED_DATA (default ../shared/data); tests that need it
# skip, saying why, when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
start=$(date +%s)
scripts/build.sh
echo "build took $(( $(date +%s) - start )) s"
cd build
ctest --output-on-failure --timeout 900 -j 1 "$@"
