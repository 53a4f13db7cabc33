#!/usr/bin/env bash
# Randomized and PCT schedules (tests/shuttle.rs) with shuttle's primitives behind the
# sync facade. SHUTTLE_ITERATIONS raises the iterations per test (default 3,000).
# Built in the normal target directory: the shuttle feature gives cowtrie its own
# artifacts there (nothing is invalidated), and the release dependencies it shares with
# the CLI (the model crate, proptest, rayon, rand) are built once for both this step and
# the CLI that .ci/histories.sh, .ci/browser.sh and .ci/exercises.sh run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release -p cowtrie --features shuttle --test shuttle "$@"
