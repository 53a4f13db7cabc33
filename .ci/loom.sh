#!/usr/bin/env bash
# Exhaustive schedules of the root cell and the store (tests/loom.rs). Its own target
# directory keeps the loom build from invalidating the normal one.
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
    cargo test --release -p cowtrie --test loom "$@"
