#!/usr/bin/env bash
# The library without its default features, and with each of them alone: `cache` and
# `durable` gate their modules and dependencies (fs4, crc32c), so a build without them
# must compile, lint clean and pass its unit tests. Also the model crate without its kit
# (no proptest, no arbitrary). Clippy rather than `cargo check`, for `-D warnings`
# without RUSTFLAGS (which would rebuild every dependency). About a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo clippy -p cowtrie --no-default-features --all-targets -- -D warnings
cargo clippy -p cowtrie --no-default-features --features cache -- -D warnings
cargo clippy -p cowtrie --no-default-features --features durable -- -D warnings
cargo clippy -p cowtrie --features sim,format,serde --all-targets -- -D warnings
cargo clippy -p cowtrie-model --no-default-features --all-targets -- -D warnings
cargo test -p cowtrie --no-default-features --lib
cargo test -p cowtrie --no-default-features --doc
