#!/usr/bin/env bash
# Mutation testing with cargo-mutants (configuration: .cargo/mutants.toml). Two passes:
#   library  mutants in src/,       judged by the cowtrie package's unit and
#            integration tests (with `sim` and `format`, which the crash tests need);
#   model    mutants in model/src/, judged by the model crate's own tests (cargo-mutants
#            27 ran the mutated package's tests only, whatever --test-package said).
# Doctests are left out: each would add a build per mutant and they restate the tests.
# Results land in target/mutants-out/<pass>/mutants.out (caught.txt, missed.txt, ...).
# Arguments are passed to cargo-mutants, e.g. `.ci/mutants.sh --shard 1/4` or
# `.ci/mutants.sh --list`. PASSES="library" runs one pass.
# Takes about an hour on 2 cores; not part of .ci/run (see the guide's chapter 8,
# "Mutation testing with cargo-mutants").
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants
status=0
for pass in ${PASSES:-library model}; do
    case "$pass" in
    library) args=(--package cowtrie --test-package cowtrie --features sim,format
        --cargo-test-arg=--lib --cargo-test-arg=--tests) ;;
    model) args=(--package cowtrie-model --test-package cowtrie-model
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
