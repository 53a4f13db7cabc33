#!/usr/bin/env bash
# The real-process kill loop: a `cowtrie durable-writer` child writing to a durable store
# (three threads, durability rotating group/sync/buffered, checkpoints every 32 KiB of log)
# is killed with SIGKILL at a random moment, the directory reopened and the recovered
# state judged by the durable-prefix check, round after round on the same directory.
# Not part of the default .ci/run (each round takes ~0.1-0.3 s plus a reopen; 100 rounds
# take about half a minute once built). `cargo test` runs four rounds.
#
#   .ci/kill-loop.sh            100 rounds, seed 1
#   .ci/kill-loop.sh 500 42     500 rounds, seed 42
set -euo pipefail
cd "$(dirname "$0")/.."
KILL_ROUNDS=${1:-100} KILL_SEED=${2:-1} \
    cargo test --release -p cowtrie-cli --test kill -- --ignored --nocapture kill_loop_campaign
