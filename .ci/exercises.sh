#!/usr/bin/env bash
# The guide's exercises (book/src/*.md, each chapter's last block): every command is run
# and its exit status and output checked against what the guide states.
#   .ci/exercises.sh         the cheap ones (cowtrie demo and check, short tests): CI
#   .ci/exercises.sh --all   also the heavy ones, which apply a seeded bug
#                            (tests/mutants/*.patch) to a scratch copy and run loom, Miri,
#                            ThreadSanitizer or a stress run on it (see .ci/with-mutant.sh)
#   .ci/exercises.sh --all 05-reclamation   one chapter's exercises
# The format of an exercise block is described in .ci/exercises.py.
set -euo pipefail
cd "$(dirname "$0")/.."
# The CLI the exercises run through `cargo run --release` (already built by .ci/histories.sh
# in the CI run). `cargo run` without -p resolves features over the default members
# (benches included), so `-p cowtrie-cli` would be another build of the CLI and its
# dependencies and the first exercise would rebuild it (38 s in CI); `--bin cowtrie` is
# the very build `cargo run` uses.
cargo build --release -q --bin cowtrie
exec python3 .ci/exercises.py "$@"
