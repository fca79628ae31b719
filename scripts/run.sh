#!/usr/bin/env bash
# Installs, builds and runs the main job: the Retort workbench on its embedded default
# experiment (experiments/shapes-quick.yaml). `scripts/run.sh --headless` runs the same study
# from the command line instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
scripts/build.sh
if [ "${1:-}" = "--headless" ]; then
  shift
  exec build/app/retort-cli study --config experiments/shapes-quick.yaml "$@"
fi
exec build/app/retort "$@"
