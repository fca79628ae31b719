#!/usr/bin/env bash
# Installs Retort's build and run dependencies on Debian 12 (idempotent: apt runs only when a
# package is missing).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libopenblas0-pthread
  qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n
  libqcustomplot-dev libqcustomplot2.1-qt6
  libopencv-dev libyaml-cpp-dev libonnx-dev libprotobuf-dev protobuf-compiler
  xvfb xauth fonts-wqy-microhei
  python3-torch python3-opencv python3-onnx python3-numpy
)
# Node.js + npm serve only the ONNX Runtime test; a machine that already has them (from any
# source) keeps its own, since Debian's npm conflicts with other Node.js builds.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Debian's libtorch runs on the reference BLAS unless OpenBLAS is the selected alternative.
if command -v update-alternatives >/dev/null; then
  cur=$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | awk '/^Value:/{print $2}')
  case "$cur" in *openblas*) ;; *) echo "note: libblas alternative is '$cur'; OpenBLAS (pthread) is faster" ;; esac
fi
