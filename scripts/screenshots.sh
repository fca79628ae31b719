#!/usr/bin/env bash
# Writes docs/screenshots/*.png from the real workbench (offscreen platform; Xvfb works too):
# a distillation arm of the default study live in the Training tab, the Compare and Attention tabs on a
# COCO128 image with the official yolov8s (teacher) and yolov8n (student), and the Results tab.
# The Results tab and the Attention tab's student come from a finished COCO128 study
# (retort-cli study --config experiments/coco128-v8s-to-v8n.yaml) under $RETORT_STUDY_DIR
# (default runs/coco128-v8s-to-v8n); without one, Attention uses the official yolov8n and the
# Results tab shows the default study's table only if the Training run finished it.
# Usage: scripts/screenshots.sh [WORKDIR]   (needs ./build; reference data from $RETORT_SHARED_DATA)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${RETORT_SHARED_DATA:-$root/../shared/data}"
case "$data" in /*) ;; *) data="$PWD/$data" ;; esac   # the script works in $work below
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
# Training: the default study's first distillation arm, live after its first epochs. The
# study's dataset and teacher are taken from ./runs when `retort-cli study` ran there (the arm
# would otherwise pre-train the teacher first, a few minutes).
mkdir -p runs/shapes-quick
for d in datasets shapes-quick/teacher; do
  [ -e "runs/$d" ] || [ ! -d "$root/runs/$d" ] || ln -s "$root/runs/$d" "runs/$d"
done
rm -rf "runs/shapes-quick/logit+loc+cwd"
"$app" --run-arm "logit+loc+cwd" --screenshot "$out/training.png" --delay "${TRAIN_MS:-60000}"
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
# The same Compare view in Simplified Chinese (the UI follows the system locale).
LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 "$app" --compare "$models" --images "$img" --tab 1 \
  --screenshot "$out/compare-zh_CN.png" --delay 20000
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
