#!/usr/bin/env bash
# README command 2: set up and run every test (Swift, Python training pipeline, CLI, browser).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
echo "== Swift unit tests"
swift test --disable-xctest 2>&1 | tail -n 40
echo "== training pipeline (pytest)"
python3 -m pytest -q training/tests
echo "== release build, CLI and browser tests"
swift build -c release --product findcolor 2>&1 | tail -n 3
FINDCOLOR_BIN=.build/release/findcolor python3 -m pytest -q e2e/cli
# Clusters (issue 14): deploy/slurm/colorize.sbatch on a real one-node Slurm cluster (as root; installs
# slurm-wlm and munge; skips with the reason only where slurmd cannot start) and the Kubernetes
# Indexed Job of deploy/k8s/indexed-job.yaml simulated with local processes.
python3 -m pip install -q pyyaml
FINDCOLOR_BIN=.build/release/findcolor python3 -m pytest -q -rs e2e/cluster
python3 e2e/browser/test_ui.py --binary .build/release/findcolor --screenshot "${SCREENSHOT:-/tmp/findcolor-ui.png}"
# libFuzzer smoke run (fuzz/): 60 s per target, fails on any crash (issue 11).
scripts/fuzz.sh all 60
echo "all tests passed"
