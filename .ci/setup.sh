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
# The guide's builder (.ci/book.sh). Built once without the watch/serve features (~3.5
# min on 2 cores); skipped when an mdbook 0.5 is already installed.
if ! mdbook --version 2> /dev/null | grep -q '^mdbook v0\.5\.'; then
    cargo install --locked --version '~0.5' mdbook --no-default-features --features search
fi
