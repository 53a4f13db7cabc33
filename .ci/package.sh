#!/usr/bin/env bash
# What publishing the two published crates would check, without publishing: `cargo
# package` of cowtrie and cowtrie-model as dry runs (the manifests as published, the
# files each takes, no build), and that each crate's library builds with the oldest Rust
# its `rust-version` declares, with the versions in Cargo.lock (and cowtrie's optional
# features with the model crate's, which cowtrie's manifest says they need). A missing
# toolchain is installed with the minimal profile (about 15 s each). About 20 s on 2 cores
# once the toolchains are in place, from cold; the checks build in target/msrv (or
# MSRV_TARGET_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo package -p cowtrie --no-verify --allow-dirty
cargo package -p cowtrie-model --no-verify --allow-dirty

# rust_version PACKAGE: the `rust-version` of a workspace package, as cargo reads it.
rust_version() {
    cargo metadata --no-deps --format-version 1 | python3 -c '
import json, sys
packages = json.load(sys.stdin)["packages"]
print(next(p["rust_version"] for p in packages if p["name"] == sys.argv[1]))' "$1"
}

# msrv_check VERSION CARGO-ARGS...: `cargo +VERSION check` of what the arguments name.
msrv_check() {
    local version=$1
    shift
    if ! rustup toolchain list | grep -q "^${version}-"; then
        rustup toolchain install "$version" --profile minimal
    fi
    echo "rust ${version}: cargo check $*"
    CARGO_TARGET_DIR=${MSRV_TARGET_DIR:-target/msrv} cargo "+${version}" check "$@"
}

msrv_check "$(rust_version cowtrie)" -p cowtrie --lib
model=$(rust_version cowtrie-model)
msrv_check "$model" -p cowtrie-model --lib
msrv_check "$model" -p cowtrie --lib --features serde,sim,format
