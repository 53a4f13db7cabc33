#!/usr/bin/env bash
# Undefined behaviour, data races and leaks: the library's unit and integration tests
# under Miri (nightly), with sizes shrunk under cfg(miri). Doctests are left out: each is
# a separate crate to interpret, and they hold no concurrency.
set -euo pipefail
cd "$(dirname "$0")/.."
MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-strict-provenance" \
    cargo +nightly miri test -p cowtrie --lib --tests "$@"
