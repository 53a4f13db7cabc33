#!/usr/bin/env bash
# The compile_fail doctests (src/compile_fail_tests.rs) with their error codes checked,
# which rustdoc does only on nightly; also the guide's blocks (book/src, src/book.rs), whose
# compile_fail blocks state their codes too (`sim`: the durability chapter uses the
# simulated disk).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_TARGET_DIR=target/nightly cargo +nightly test -p cowtrie --features sim --doc -- compile_fail book::
