#!/usr/bin/env bash
# Seeded concurrency bugs: each tests/mutants/*.patch is applied to a scratch copy of the
# tree as staged in git (commit or `git add` a change first; untracked files and a fuzzer
# rewriting its corpus do not leak in), and every layer its header names
# ("# layers: loom miri") must fail on it.
# Prints a table (mutant | layer | result | time to catch) and exits non-zero if any layer let a
# mutant through. For each layer that catches its mutant, the first line of the failure
# and the log's path follow on stderr, so the table on stdout stays one table.
# Run one mutant with `.ci/mutants-concurrency.sh relaxed-publish`, one mutant on one
# layer with `.ci/mutants-concurrency.sh in-place-update tests`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# One target directory per layer, shared by the mutants: only the mutated crate rebuilds.
targets=${MUTANTS_TARGET_DIR:-$root/target/mutants}

# run_layer LAYER MODE: MODE "build" must succeed (a mutant that does not compile proves
# nothing), MODE "run" is the check that must fail.
run_layer() {
    local build=()
    [[ "$2" == build ]] && build=(--no-run)
    case "$1" in
    # LOOM_LOCATION=1: failures name the source lines of the racing accesses.
    loom) LOOM_LOCATION=1 RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$targets/loom" \
        cargo test --release -p cowtrie --test loom "${build[@]}" ;;
    miri) MIRIFLAGS="-Zmiri-strict-provenance" CARGO_TARGET_DIR="$targets/miri" \
        cargo +nightly miri test -p cowtrie --lib --test store "${build[@]}" -- \
        cell::tests store_writers a_guard_survives concurrent_writers ;;
    stress) if [[ "$2" == build ]]; then
            CARGO_TARGET_DIR="$targets/release" cargo build --release -q -p cowtrie-cli
        else
            "$targets/release/release/cowtrie" check --keys 4 --seconds 3
        fi ;;
    # The same on the bounded store, judged against the cache model.
    stress-cache) if [[ "$2" == build ]]; then
            run_layer stress build
        else
            "$targets/release/release/cowtrie" check --store cache --seconds 3
        fi ;;
    tsan) CARGO_TARGET_DIR="$targets/tsan" RUSTFLAGS="-Zsanitizer=thread" \
        TSAN_OPTIONS="halt_on_error=1" timeout 1200 cargo +nightly test -Zbuild-std \
        --target "$(rustc -vV | sed -n 's/^host: //p')" -p cowtrie --lib "${build[@]}" ;;
    shuttle) CARGO_TARGET_DIR="$targets/shuttle" \
        cargo test --release -p cowtrie --features shuttle --test shuttle "${build[@]}" ;;
    # A mutant that deadlocks a test fails the layer when the timeout kills the run.
    tests) CARGO_TARGET_DIR="$targets/debug" timeout 600 \
        cargo test -p cowtrie --lib --test trie --test store --test properties --test laws \
        --test cache_api \
        --test cache_model "${build[@]}" ;;
    crash) CARGO_TARGET_DIR="$targets/debug" \
        cargo test -p cowtrie --features sim,format --test durable "${build[@]}" ;;
    # `cowtrie check --store durable` on six seeds: crashes of a simulated disk between
    # epochs of the workload; fails if any recovery is not a durable prefix or fails.
    durable-check) if [[ "$2" == build ]]; then
            CARGO_TARGET_DIR="$targets/debug" cargo build -q -p cowtrie-cli
        else
            for seed in 1 2 3 4 5 6; do
                "$targets/debug/debug/cowtrie" check --store durable --ops 8000 --keys 40 \
                    --crashes 8 --seed "$seed" || return 1
            done
        fi ;;
    *) echo "unknown layer $1" >&2; return 2 ;;
    esac
}

# first_failure LOG FROM: the first line after line FROM of LOG that says how the layer
# failed: a panic (with its message, the lines up to the backtrace), undefined behaviour,
# a data race, a crash, a verdict, a failed test run.
first_failure() {
    awk -v from="$2" '
        NR <= from { next }
        panic && n == 0 && /^$/ { next }
        panic {
            if (/^$/ || /^stack backtrace/ || n == 4) { print prev; done = 1; exit }
            sub(/^ +/, "")
            prev = prev (n ? " | " : " ") $0
            n++
            next
        }
        /panicked at/ { prev = $0; panic = 1; next }
        /error: Undefined Behavior|WARNING: ThreadSanitizer|Segmentation fault|Aborted|NOT linearizable|test result: FAILED|^error/ {
            print; done = 1; exit
        }
        END { if (!done && panic) print prev }' "$1" | sed 's|/[^ ]*/registry/src/[^/]*/||' | cut -c1-400
}

# Miri, the nightly toolchain and its sources: installed here too, so a fresh machine
# can run this script first.
"$root/.ci/setup.sh" > /dev/null 2>&1

only=${1:-}
only_layer=${2:-}
status=0
echo "| mutant | layer | result | time to catch |"
echo "|---|---|---|---|"
for patch in "$root"/tests/mutants/*.patch; do
    name=$(basename "$patch" .patch)
    [[ -z "$only" || "$only" == "$name" ]] || continue
    layers=$(sed -n 's/^# layers: //p' "$patch")
    for layer in $layers; do
        [[ -z "$only_layer" || "$only_layer" == "$layer" ]] || continue
        tree="$scratch/tree"
        rm -rf "$tree"
        (cd "$root" && git checkout-index --all --prefix="$tree/")
        (cd "$tree" && patch -p1 --quiet < "$patch")
        start=$SECONDS
        log="$root/target/mutants/$name.$layer.log"
        mkdir -p "$(dirname "$log")"
        if ! (cd "$tree" && run_layer "$layer" build) > "$log" 2>&1; then
            echo "| $name | $layer | DOES NOT BUILD (log: ${log#"$root"/}) | $((SECONDS - start)) s |"
            status=1
            continue
        fi
        built=$SECONDS
        built_lines=$(wc -l < "$log")
        caught=0
        if (cd "$tree" && run_layer "$layer" run) >> "$log" 2>&1; then
            result="NOT CAUGHT (log: ${log#"$root"/})"
            status=1
        else
            result=caught
            caught=1
        fi
        echo "| $name | $layer | $result | $((SECONDS - built)) s (build $((built - start)) s) |"
        if ((caught)); then
            echo "    first failure: $(first_failure "$log" "$built_lines")" >&2
            echo "    log: ${log#"$root"/}" >&2
        fi
    done
done
exit $status
