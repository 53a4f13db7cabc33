#!/usr/bin/env bash
# The library's API docs with every warning an error (broken or private intra-doc links,
# missing docs): with the default features, without any, and as docs.rs builds them
# (`[package.metadata.docs.rs]`: the test features too, `--cfg docsrs` on nightly, which
# labels each gated item with its feature).
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTDOCFLAGS="-D warnings" cargo doc -p cowtrie --no-deps
RUSTDOCFLAGS="-D warnings" cargo doc -p cowtrie --no-deps --no-default-features
RUSTDOCFLAGS="-D warnings --cfg docsrs" cargo +nightly doc -p cowtrie --no-deps \
    --features cache,durable,serde,sim,format
