#!/usr/bin/env bash
# Writes docs/screenshots/*.png from the real workbench (offscreen platform; Xvfb works too):
# the default study's first epochs in the Training tab, the Compare and Attention tabs on a
# COCO128 image with the official yolov8s (teacher) and yolov8n (student), and the Results tab.
# The Results tab and the Attention tab's student come from a finished COCO128 study
# (retort-cli study --config experiments/coco128-v8s-to-v8n.yaml) under $RETORT_STUDY_DIR
# (default runs/coco128-v8s-to-v8n); without one, Attention uses the official yolov8n and the
# Results tab shows the default study's table only if the Training run finished it.
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
study="${RETORT_STUDY_DIR:-runs/coco128-v8s-to-v8n}"
case "$study" in /*) ;; *) study="$root/$study" ;; esac
cd "$work"
# Training: start the default study and grab it after its first epochs.
"$app" --run-study --screenshot "$out/training.png" --delay "${TRAIN_MS:-100000}"
img="$data/images/bus.jpg"
[ -f "$img" ] || img="$(ls "$data"/coco128/images/train2017/*.jpg | head -1)"
models="$data/weights/yolov8s.safetensors,$data/weights/yolov8n.safetensors"
"$app" --compare "$models" --images "$img" --tab 1 --screenshot "$out/compare.png" --delay 20000
# Attention: CWD channel maps; with the study's CWD-distilled student, its trained adapters put
# the student's feature in the teacher's channels, so both maps show the same channel.
student="$study/logit+loc+cwd/weights/best.safetensors"
[ -f "$student" ] || student="$data/weights/yolov8n.safetensors"
"$app" --compare "$data/weights/yolov8s.safetensors,$student" --images "$img" --tab 2 --attention channel \
  --screenshot "$out/attention.png" --delay 25000
if [ -f "$study/study.csv" ]; then
  # study.csv names its run directories relative to where the study ran: open it from there.
  # The experiment that made it, when it is this repository's COCO128 one, fills the Experiment panel.
  exp=()
  [ "$(basename "$study")" = coco128-v8s-to-v8n ] && exp=("$root/experiments/coco128-v8s-to-v8n.yaml")
  (cd "$(dirname "$(dirname "$study")")" &&
    "$app" "${exp[@]}" --study "$study/study.csv" --tab 3 --screenshot "$out/results.png" --delay 3000)
else
  "$app" --tab 3 --screenshot "$out/results.png" --delay 3000
fi
echo "screenshots in $out"
