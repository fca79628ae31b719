#!/usr/bin/env bash
# Writes docs/screenshots/*.png from the real workbench (offscreen platform; Xvfb works too):
# the default study's first epochs in the Training tab, the Compare and Attention tabs on a
# COCO128 image with the official yolov8s (teacher) and yolov8n (student), and the Results tab.
# Usage: scripts/screenshots.sh [WORKDIR]   (needs ./build; reference data from $RETORT_SHARED_DATA)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${RETORT_SHARED_DATA:-$root/../shared/data}"
work="${1:-$root/build/screenshots}"
out="$root/docs/screenshots"
mkdir -p "$work" "$out"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
export HOME="$work/home"   # fresh settings: first start, embedded default experiment
mkdir -p "$HOME"
app="$root/build/app/retort"
cd "$work"
# Training: start the default study and grab it after its first epochs.
"$app" --run-study --screenshot "$out/training.png" --delay "${TRAIN_MS:-100000}"
img="$data/images/bus.jpg"
[ -f "$img" ] || img="$(ls "$data"/coco128/images/train2017/*.jpg | head -1)"
models="$data/weights/yolov8s.safetensors,$data/weights/yolov8n.safetensors"
"$app" --compare "$models" --images "$img" --tab 1 --screenshot "$out/compare.png" --delay 20000
"$app" --compare "$models" --images "$img" --tab 2 --screenshot "$out/attention.png" --delay 20000
"$app" --tab 3 --screenshot "$out/results.png" --delay 3000
echo "screenshots in $out"
