#!/usr/bin/env bash
# Undefined behaviour, data races and leaks (Miri's leak check is on by default): the
# library's unit tests and its concurrent integration tests under Miri (nightly), with
# sizes shrunk under cfg(miri) and strict provenance. Left out: the sequential semantics
# tests (tests/trie.rs: safe code the unit tests already drive under Miri, 2 minutes of
# interpretation), the long-key tests (megabytes to interpret) and doctests. Unit tests
# of safe code alone (the cache policy's choices, the trie's Arc-clone count and its
# random operations against a BTreeMap, 114 s alone under Miri) carry
# `#[cfg_attr(miri, ignore = "why")]`; every test that reaches the root cell
# (src/cell.rs) through the store, guards, snapshots or drops stays. Run the ignored
# ones under Miri too with `.ci/miri.sh -- --include-ignored`.
set -euo pipefail
cd "$(dirname "$0")/.."
MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-strict-provenance" \
    cargo +nightly miri test -p cowtrie --lib --test store --test drops "$@"
