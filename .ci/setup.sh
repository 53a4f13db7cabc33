#!/usr/bin/env bash
# Installs the toolchain components the CI steps use. Idempotent; takes seconds when
# everything is present.
set -euo pipefail
rustup component add rustfmt clippy
if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
fi
rustup component add --toolchain nightly miri rust-src
cargo +nightly miri setup
