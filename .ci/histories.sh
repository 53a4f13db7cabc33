#!/usr/bin/env bash
# Checks every history listed in VERDICTS.tsv with the release CLI and fails on any
# verdict that differs from the expected one.
#
#   .ci/histories.sh [VERDICTS.tsv]      (or COWTRIE_HISTORIES=/path/to/VERDICTS.tsv)
#
# The table has a header line and two tab-separated columns: `file` (relative to the
# table's folder) and `expected` (`linearizable` or `not`). The model is chosen by the
# file's folder: porcupine-kv/ is the key-value map, everything else a register. When
# the table is absent (a clone without ../shared), the step says so and passes.
set -euo pipefail
cd "$(dirname "$0")/.."

table=${1:-${COWTRIE_HISTORIES:-../shared/histories/VERDICTS.tsv}}
if [[ ! -f $table ]]; then
    echo "histories: no table at $table; skipped"
    exit 0
fi
dir=$(dirname "$table")

# The same build as the guide's `cargo run --release` (see .ci/exercises.sh).
cargo build --release --bin cowtrie --quiet
cli=target/release/cowtrie

total=0 matched=0 mismatched=()
start=$(date +%s%N)
while IFS=$'\t' read -r file expected _; do
    [[ -z $file || $file == file ]] && continue
    case $file in
        porcupine-kv/*) model=kv ;;
        *) model=register ;;
    esac
    set +e
    "$cli" check --history "$dir/$file" --model "$model" >/dev/null 2>/tmp/histories.err.$$
    status=$?
    set -e
    case $status in
        0) got=linearizable ;;
        1) got=not ;;
        3) got=unknown ;;
        *) got="error($status): $(head -c 300 /tmp/histories.err.$$)" ;;
    esac
    total=$((total + 1))
    if [[ $got == "$expected" ]]; then
        matched=$((matched + 1))
    else
        mismatched+=("$file: expected $expected, got $got")
    fi
done <"$table"
rm -f /tmp/histories.err.$$
ms=$((($(date +%s%N) - start) / 1000000))

echo "histories: $matched of $total verdicts as expected in ${ms} ms ($table)"
if ((${#mismatched[@]} > 0)); then
    printf '  MISMATCH %s\n' "${mismatched[@]}"
    exit 1
fi
