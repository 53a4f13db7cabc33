#!/usr/bin/env python3
"""Prints criterion's results for the store and root_load benches as Markdown tables.

Run after `cargo bench --bench store` (and `--bench root_load`):

    python3 benches/ratios.py [target/criterion]

Each group gets one row per store: the time per operation (criterion's slope estimate,
or its mean, divided by the elements per iteration) and cowtrie's speed-up against that
store, `their time / cowtrie's time` (above 1: cowtrie is faster). In the root_load
groups the reference is `RootCell::read`.
"""

import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
groups = {}
for bench in sorted(root.glob("*/*/new/benchmark.json")):
    meta = json.loads(bench.read_text())
    estimates = json.loads((bench.parent / "estimates.json").read_text())
    estimate = (estimates.get("slope") or estimates["mean"])["point_estimate"]
    elements = (meta.get("throughput") or {}).get("Elements", 1)
    groups.setdefault(meta["group_id"], {})[meta["function_id"]] = estimate / elements


def show(nanos):
    return f"{nanos:.1f} ns" if nanos < 1000 else f"{nanos / 1000:.2f} µs"


for group in sorted(groups):
    rows = groups[group]
    reference = "RootCell::read" if group.startswith("root_load") else "cowtrie"
    ours = rows.get(reference)
    print(f"\n### {group}\n")
    print(f"| store | time per op | {reference} speed-up |")
    print("|---|---|---|")
    for name, nanos in sorted(rows.items(), key=lambda row: row[1]):
        ratio = f"{nanos / ours:.2f}×" if ours else "-"
        print(f"| {name} | {show(nanos)} | {ratio} |")
