#!/usr/bin/env bash
# Runs one command on a scratch copy of the tree with one seeded bug applied, for the
# guide's exercises: `.ci/with-mutant.sh relaxed-publish .ci/loom.sh`.
# The copy is the tree as staged in git (as .ci/mutants-concurrency.sh makes it) plus
# tests/mutants/MUTANT.patch; its target/ is a link to target/exercises/, kept between
# runs, so only the mutated crate rebuilds. Exits with the command's status.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ $# -lt 2 ]]; then
    echo "usage: $0 MUTANT COMMAND [ARGS...]  (MUTANT: a name in tests/mutants/)" >&2
    exit 2
fi
patch="$root/tests/mutants/$1.patch"
shift
if [[ ! -f "$patch" ]]; then
    echo "no such mutant: $patch" >&2
    exit 2
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$root" && git checkout-index --all --prefix="$scratch/")
(cd "$scratch" && patch -p1 --quiet < "$patch")
mkdir -p "$root/target/exercises"
ln -s "$root/target/exercises" "$scratch/target"
cd "$scratch"
status=0
"$@" || status=$?
exit $status
