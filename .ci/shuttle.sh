#!/usr/bin/env bash
# Randomized and PCT schedules (tests/shuttle.rs) with shuttle's primitives behind the
# sync facade, then the conformance kit's random schedules. SHUTTLE_ITERATIONS raises the
# iterations per test of tests/shuttle.rs (default 3,000).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_TARGET_DIR=target/shuttle cargo test --release -p cowtrie --features shuttle --test shuttle "$@"
# The conformance kit's random schedules: a lost update on shuttle's primitives must be
# flagged, and cowtrie's store (through the example crate) must pass.
CARGO_TARGET_DIR=target/shuttle cargo test --release -p cowtrie-model --features shuttle --test conformance_shuttle
CARGO_TARGET_DIR=target/shuttle cargo test --release -p conformance-example --features shuttle --test shuttle
