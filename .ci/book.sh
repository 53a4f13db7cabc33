#!/usr/bin/env bash
# The guide (book/): builds it with mdbook into target/book and checks its links
# (.ci/book_links.py: internal links, anchors and images must resolve; external links
# are listed and checked for form, not fetched). Its Rust blocks are doctests of the
# crate (src/book.rs), run by `cargo test`; its exercises by .ci/exercises.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
mdbook build book
python3 .ci/book_links.py target/book
