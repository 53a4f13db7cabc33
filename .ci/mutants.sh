#!/usr/bin/env bash
# Mutation testing with cargo-mutants (configuration: .cargo/mutants.toml), in passes.
# A pass names the files whose mutants it makes and the tests that judge them: only the
# tests that can see a module, so that each mutant costs one short build and seconds of
# tests (about 13 s on 2 cores for the node layer) instead of the whole suite.
#
#   node     the trie's nodes and the code on them: src/node*, trie, range, iter, batch,
#            inspect; judged by the unit tests and the trie, properties, laws, long-key,
#            drop, inspect and store tests
#   cell     the root cell and the store around it: cell, reader, store, rewrite, guard,
#            sync; the unit tests and the store, drop and property tests
#   cache    src/cache/; the unit tests and the cache tests
#   durable  src/durable/; the unit tests and the durable tests (features sim, format)
#   model    model/src/, judged by the model crate's own tests (cargo-mutants 27 runs
#            the mutated package's tests only, whatever --test-package says)
#   library  all of src/ against every library test (the passes above, at once: slower)
#
# Doctests are left out: each would add a build per mutant and they restate the tests.
# Results land in target/mutants-out/<pass>/mutants.out (caught.txt, missed.txt, ...).
# Arguments go to cargo-mutants: `.ci/mutants.sh --shard 1/4` runs a quarter of each
# pass (run the shards in any order, on any machine, and concatenate their outcome
# files), `.ci/mutants.sh --list` lists the mutants. PASSES="node cell" picks passes
# (default: node cell cache durable model). Not part of .ci/run; see the guide's
# chapter 8, "Mutation testing with cargo-mutants", for the record.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants
tests() { for t in "$@"; do printf -- '--cargo-test-arg=%s\n' "$t"; done; }
status=0
for pass in ${PASSES:-node cell cache durable model}; do
    case "$pass" in
    node) mapfile -t args < <(printf -- '%s\n' --package cowtrie -f src/node.rs \
        -f 'src/node/*.rs' -f src/trie.rs -f src/range.rs -f src/iter.rs -f src/batch.rs \
        -f src/inspect.rs
        tests --lib --test=trie --test=properties --test=laws --test=long_keys \
            --test=drops --test=inspect --test=store) ;;
    cell) mapfile -t args < <(printf -- '%s\n' --package cowtrie -f src/cell.rs \
        -f src/reader.rs -f src/store.rs -f src/rewrite.rs -f src/guard.rs -f src/sync.rs
        tests --lib --test=store --test=drops --test=properties) ;;
    cache) mapfile -t args < <(printf -- '%s\n' --package cowtrie -f 'src/cache/*.rs'
        tests --lib --test=cache --test=cache_api --test=cache_model) ;;
    durable) mapfile -t args < <(printf -- '%s\n' --package cowtrie --features sim,format \
        -f 'src/durable/*.rs' -f 'src/durable/log/*.rs'
        tests --lib --test=durable --test=durable_recovery) ;;
    model) args=(--package cowtrie-model --test-package cowtrie-model
        --cargo-test-arg=--lib --cargo-test-arg=--tests) ;;
    library) args=(--package cowtrie --test-package cowtrie --features sim,format
        --cargo-test-arg=--lib --cargo-test-arg=--tests) ;;
    *) echo "unknown pass $pass" >&2; exit 2 ;;
    esac
    echo "::: mutants: $pass"
    mkdir -p "target/mutants-out/$pass"
    cargo mutants "${args[@]}" --output "target/mutants-out/$pass" "$@" || status=$?
    out="target/mutants-out/$pass/mutants.out"
    for outcome in caught missed unviable timeout; do
        printf '%-9s %s\n' "$outcome" "$(wc -l <"$out/$outcome.txt" 2>/dev/null || echo 0)"
    done
done
exit "$status"
