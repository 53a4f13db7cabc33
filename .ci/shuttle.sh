#!/usr/bin/env bash
# Randomized and PCT schedules (tests/shuttle.rs) with shuttle's primitives behind the
# sync facade. SHUTTLE_ITERATIONS raises the iterations per test (default 3,000).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_TARGET_DIR=target/shuttle cargo test --release -p cowtrie --features shuttle --test shuttle "$@"
