#!/usr/bin/env bash
# Ten-minute fuzz campaigns of the durable store's readers, one after the other:
# durable_log_reader (write-ahead log files) and durable_snapshot_reader (snapshot files).
# Each must end without a crash, a leak of the limits below, or a timeout. libFuzzer's
# -malloc_limit_mb makes any single allocation above 64 MiB a failure (a hostile length
# field must never be trusted), -rss_limit_mb bounds the whole process. New inputs go to
# target/fuzz-corpus/<target>; the committed seeds in fuzz/corpus/<target> are read, not
# rewritten. Not part of the default .ci/run (20 minutes).
#
#   .ci/fuzz-durable.sh          600 s per target
#   .ci/fuzz-durable.sh 60       60 s per target
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
for target in durable_log_reader durable_snapshot_reader; do
    scratch="target/fuzz-corpus/$target"
    mkdir -p "$scratch"
    echo "::: fuzz $target for ${seconds} s"
    (cd fuzz && cargo +nightly fuzz run "$target" "../$scratch" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=512 -malloc_limit_mb=64 -timeout=10 \
        -print_final_stats=1)
done
