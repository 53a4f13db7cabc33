#!/usr/bin/env bash
# ThreadSanitizer (nightly, std rebuilt with TSan) over the library's unit tests and the
# concurrent integration tests. Wrapped in a timeout: TSan slows spin loops a lot.
# Suppressions, if ever needed, go in .ci/tsan.supp with a reason for each line.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-Zsanitizer=thread"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
export CARGO_TARGET_DIR=target/tsan
timeout "${TSAN_TIMEOUT:-1200}" cargo +nightly test -Zbuild-std --target "$target" \
    -p cowtrie --lib --test store --test drops "$@"
