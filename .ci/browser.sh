#!/usr/bin/env bash
# Opens the HTML reports of `cowtrie check --html` in a real headless Chromium and checks
# them: the page loads without console errors, the timeline's bars sit where the history
# puts them, hover shows the model states, click pins an operation. Screenshots go to
# target/browser/*.png.
#
#   .ci/browser.sh
#
# Needs Debian's `chromium` and Node (each installed here with apt-get when missing); installs
# `playwright-core` (the browser driver alone, no bundled browser) into target/browser/node.
# Takes about a minute once the release CLI is built.
set -euo pipefail
cd "$(dirname "$0")/.."

# Only what is missing: a machine whose Node.js came from elsewhere refuses Debian's npm
# beside it ("held broken packages").
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v npm > /dev/null || missing+=(nodejs npm)
if [[ ${#missing[@]} -gt 0 ]]; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}"
fi
out=target/browser
mkdir -p "$out/node"
if [[ ! -d $out/node/node_modules/playwright-core ]]; then
    (cd "$out/node" && npm install --silent --no-audit --no-fund playwright-core@1.65.1)
fi

# The same build as the guide's `cargo run --release` (see .ci/exercises.sh).
cargo build --release --bin cowtrie --quiet
cli=target/release/cowtrie
# Exit status 1 is the verdict "not linearizable", expected for the broken stores.
run() { "$cli" check "$@" >/dev/null || [[ $? == 1 ]]; }
run --store cowtrie --ops 20000 --keys 50 --html "$out/passing.html"
run --store broken-lost-update --seconds 2 --html "$out/lost-update.html"
run --store broken-non-atomic-remove --seconds 1 --keys 20 --html "$out/non-atomic-remove.html"
run --history model/tests/histories/knossos-cas-register/bad/cas-failure.edn --model register \
    --html "$out/register.html"

NODE_PATH=$PWD/$out/node/node_modules node .ci/browser.mjs \
    "$out/passing.html:ok" "$out/lost-update.html:bad" \
    "$out/non-atomic-remove.html:bad" "$out/register.html:bad"

# The checks must catch a broken page: a time axis drawn backwards, threads' rows in the
# wrong order, hover that shows nothing. Each seeded copy must fail them. The seeds go
# into the register report: its history is a fixed file whose failing window holds five
# threads. A random run's window can hold one thread alone (the lost-update report once
# held two operations of thread 0), and then rows in reverse order look no different.
seed() { # NAME SED-EXPRESSION PATTERN
    grep -q -- "$3" "$out/register.html" || { echo "browser: seed $1 matches nothing"; exit 1; }
    sed -e "$2" "$out/register.html" > "$out/seeded-$1.html"
    if NODE_PATH=$PWD/$out/node/node_modules node .ci/browser.mjs "$out/seeded-$1.html:bad" \
        > "$out/seeded-$1.log" 2>&1; then
        echo "browser: the checks missed the seeded bug $1"; exit 1
    fi
    echo "browser: seeded bug $1 caught: $(grep -m1 FAIL "$out/seeded-$1.log")"
}
seed reversed-axis 's/const x = (c) => LEFT + c \* STEP/const x = (c) => LEFT + (ticks.length - c) * STEP/' \
    'const x = (c) => LEFT + c \* STEP'
seed rows-reversed 's/group.events.map((e) => e.thread))\].sort((a, b) => a - b)/group.events.map((e) => e.thread))].sort((a, b) => b - a)/' \
    'group.events.map((e) => e.thread))\].sort((a, b) => a - b)'
seed no-hover 's/if (pinned === null) show(id);/;/' 'if (pinned === null) show(id);'
