#!/usr/bin/env bash
# Exhaustive schedules of the root cell and the store (tests/loom.rs). Its own target
# directory keeps the loom build from invalidating the normal one.
set -euo pipefail
cd "$(dirname "$0")/.."
# LOOM_LOCATION=1 makes loom record where each atomic and cell access happens, so a
# failure names source lines ("created: src/sync.rs:79:20", "read: thread #1 @
# src/sync.rs:89:27") instead of only "Causality violation" and loom's own frames.
LOOM_LOCATION=1 RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
    cargo test --release -p cowtrie --test loom "$@"
