#!/usr/bin/env bash
# Every synchronisation primitive of the library comes from src/sync.rs, so loom and
# shuttle builds check exactly the code that ships. Fails if another library file names
# std's or core's sync module, loom or shuttle (comments and unit-test files, `tests.rs`
# beside a module, excepted).
set -euo pipefail
cd "$(dirname "$0")/.."
offenders=$(grep -rnE '\b(std|core)::sync\b|\bloom::|\bshuttle::' src --include='*.rs' \
    | grep -vE '^src/(sync(/[a-z_]+)?|([a-z_]+/)?tests)\.rs:' \
    | grep -vE '^[^:]+:[0-9]+:\s*//' || true)
if [[ -n "$offenders" ]]; then
    echo "these lines bypass the sync facade (use crate::sync instead):"
    echo "$offenders"
    exit 1
fi
echo "sync facade respected"
