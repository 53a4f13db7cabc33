#!/usr/bin/env python3
"""Prints the benches' results as Markdown: the targets table, then every group.

Run after `cargo bench -p cowtrie-benches --bench store` (and, for the extra tables,
`--bench u64keys`, `--bench root_load`, and `--bench memory | tee
target/criterion/memory.md`):

    python3 benches/ratios.py [CRITERION_DIR]

CRITERION_DIR is found as the store bench finds it: `$CRITERION_HOME`, else
`$CARGO_TARGET_DIR/criterion`, else the workspace's `target/criterion`. It holds
criterion's `<group>/<store>/new/{benchmark,estimates}.json` (time per iteration: the
slope estimate, or the mean, divided by the elements per iteration) and the store and
u64keys benches' `writer_rates.tsv` (`group<TAB>keyset<TAB>store<TAB>ops_per_sec`: the
writer's rate in the `read_under_writer_*` groups).

First, for each byte-string key set (the targets leave out u64keys' `u64`), one table
of the targets: "target | cowtrie | peer | ratio | met?", the ratio being cowtrie's
speed divided by the peer's (1 or more: cowtrie is as fast or faster). Then, if `memory.md` is there, memory per key against imbl. Then one
table per criterion group: time per op of every store and cowtrie's speed-up against it
(`their time / cowtrie's time`; in the root_load groups the reference is
`RootCell::read`), and the writers' rates. Anything missing prints as "not measured".
"""

import json
import os
import pathlib
import signal
import sys

KEY_SETS = ["random16", "words"]
IMBL = "ArcSwap<imbl::HashMap>"
DASHMAP = "DashMap"
RWLOCK_HASHMAP = "RwLock<HashMap>"
RWLOCK_BTREEMAP = "RwLock<BTreeMap>"
NOT_MEASURED = "not measured"

# (target, source, group, peer, ratio needed, unit). source "writer": the writer's rate
# from writer_rates.tsv; "criterion": time per element from criterion's estimates.
TARGETS = [
    ("writer throughput, 1 reader + 1 writer", "writer", "read_under_writer_1r", IMBL, 1, "ops"),
    ("writer throughput, 2 readers + 1 writer", "writer", "read_under_writer_2r", IMBL, 1, "ops"),
    ("reads per reader under a writer, 1r + 1w", "criterion", "read_under_writer_1r", DASHMAP, 1, "reads"),
    ("reads per reader under a writer, 1r + 1w", "criterion", "read_under_writer_1r", RWLOCK_HASHMAP, 2, "reads"),
    ("reads per reader under a writer, 2r + 1w", "criterion", "read_under_writer_2r", DASHMAP, 1, "reads"),
    ("reads per reader under a writer, 2r + 1w", "criterion", "read_under_writer_2r", RWLOCK_HASHMAP, 2, "reads"),
    ("put, one thread (new version per put)", "criterion", "put", IMBL, 1, "puts"),
    ("get (hit), one thread", "criterion", "get_hit", RWLOCK_HASHMAP, 1, "gets"),
    ("prefix scan, ~0.1% of keys", "criterion", "scan_prefix_0.001", RWLOCK_BTREEMAP, 1, "keys"),
    ("prefix scan, ~10% of keys", "criterion", "scan_prefix_0.1", RWLOCK_BTREEMAP, 1, "keys"),
]


def criterion_dir():
    if len(sys.argv) > 1:
        return pathlib.Path(sys.argv[1])
    if os.environ.get("CRITERION_HOME"):
        return pathlib.Path(os.environ["CRITERION_HOME"])
    if os.environ.get("CARGO_TARGET_DIR"):
        return pathlib.Path(os.environ["CARGO_TARGET_DIR"]) / "criterion"
    return pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"


def load_criterion(root):
    """{group_id: {function_id: nanoseconds per element}}."""
    groups = {}
    for bench in sorted(root.glob("**/new/benchmark.json")):
        try:
            meta = json.loads(bench.read_text())
            estimates = json.loads((bench.parent / "estimates.json").read_text())
            estimate = (estimates.get("slope") or estimates["mean"])["point_estimate"]
            elements = (meta.get("throughput") or {}).get("Elements") or 1
            groups.setdefault(meta["group_id"], {})[meta["function_id"]] = estimate / elements
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"<!-- skipped {bench}: {error!r} -->", file=sys.stderr)
    return groups


def load_writer_rates(root):
    """{(group, keyset, store): ops per second}."""
    rates = {}
    try:
        lines = (root / "writer_rates.tsv").read_text().splitlines()
    except OSError:
        return rates
    for line in lines:
        fields = line.split("\t")
        if line.startswith("#") or len(fields) != 4:
            continue
        try:
            rates[tuple(fields[:3])] = float(fields[3])
        except ValueError:
            continue
    return rates


def load_memory(root):
    """{keyset: {store: bytes per key}} from the memory bench's table, if saved."""
    memory = {}
    try:
        lines = (root / "memory.md").read_text().splitlines()
    except OSError:
        return memory
    for line in lines:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4:
            continue
        try:
            memory.setdefault(cells[1], {})[cells[0]] = float(cells[2])
        except ValueError:
            continue  # the header and the separator
    return memory


def show_time(nanos):
    return f"{nanos:.1f} ns" if nanos < 1000 else f"{nanos / 1000:.2f} µs"


def show_rate(per_second, unit):
    for scale, suffix in [(1e9, " G"), (1e6, " M"), (1e3, " k")]:
        if per_second >= scale:
            return f"{per_second / scale:.2f}{suffix} {unit}/s"
    return f"{per_second:.0f} {unit}/s"


def speed(source, group, keyset, store, groups, rates):
    """(speed in units per second, how to show it), or None if not measured."""
    if source == "writer":
        rate = rates.get((group, keyset, store))
        return None if rate is None else (rate, None)
    nanos = groups.get(f"{group}/{keyset}", {}).get(store)
    return None if not nanos else (1e9 / nanos, nanos)


def show_speed(measured, unit):
    if measured is None:
        return NOT_MEASURED
    rate, nanos = measured
    text = show_rate(rate, unit)
    return text if nanos is None else f"{text} ({show_time(nanos)})"


def targets_table(keyset, groups, rates):
    print(f"\n### Targets: {keyset}\n")
    print("| target | cowtrie | peer | ratio | met? |")
    print("|---|---|---|---|---|")
    for target, source, group, peer, needed, unit in TARGETS:
        ours = speed(source, group, keyset, "cowtrie", groups, rates)
        theirs = speed(source, group, keyset, peer, groups, rates)
        if ours and theirs:
            ratio = ours[0] / theirs[0]
            shown, met = f"{ratio:.2f}×", "yes" if ratio >= needed else "no"
        else:
            shown, met = "-", NOT_MEASURED
        print(
            f"| {target}: ≥ {needed}× {peer} | {show_speed(ours, unit)} "
            f"| {show_speed(theirs, unit)} | {shown} | {met} |"
        )


def memory_table(memory):
    print("\n### Memory per key (memory bench, 1,000,000 keys)\n")
    print("| key set | cowtrie | ArcSwap<imbl::HashMap> | cowtrie / imbl | ≤ imbl? |")
    print("|---|---|---|---|---|")
    for keyset in KEY_SETS:
        rows = memory.get(keyset, {})
        ours, theirs = rows.get("cowtrie"), rows.get(IMBL)
        if ours is not None and theirs:
            ratio = ours / theirs
            tail = f"{ratio:.2f}× | {'yes' if ratio <= 1 else 'no'}"
        else:
            tail = f"- | {NOT_MEASURED}"
        show = lambda b: NOT_MEASURED if b is None else f"{b:.1f} B"
        print(f"| {keyset} | {show(ours)} | {show(theirs)} | {tail} |")


def group_tables(groups):
    for group in sorted(groups):
        rows = groups[group]
        reference = "RootCell::read" if group.startswith("root_load") else "cowtrie"
        ours = rows.get(reference)
        print(f"\n### {group}\n")
        print(f"| store | time per op | {reference} speed-up |")
        print("|---|---|---|")
        for name, nanos in sorted(rows.items(), key=lambda row: row[1]):
            ratio = f"{nanos / ours:.2f}×" if ours else "-"
            print(f"| {name} | {show_time(nanos)} | {ratio} |")


def writer_tables(rates):
    for group, keyset in sorted({(g, k) for g, k, _ in rates}):
        rows = {store: rate for (g, k, store), rate in rates.items() if (g, k) == (group, keyset)}
        ours = rows.get("cowtrie")
        print(f"\n### {group}/{keyset}: the writer\n")
        print("| store | writer ops/s | cowtrie speed-up |")
        print("|---|---|---|")
        for name, rate in sorted(rows.items(), key=lambda row: -row[1]):
            ratio = f"{ours / rate:.2f}×" if ours and rate else "-"
            print(f"| {name} | {rate:,.0f} | {ratio} |")


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends quietly
    root = criterion_dir()
    groups, rates, memory = load_criterion(root), load_writer_rates(root), load_memory(root)
    if not groups and not rates:
        print(f"<!-- nothing measured under {root} -->")
    print("Ratio: cowtrie's speed / the peer's (1 or more: cowtrie is as fast or faster).")
    for keyset in KEY_SETS:
        targets_table(keyset, groups, rates)
    if memory:
        memory_table(memory)
    group_tables(groups)
    writer_tables(rates)


if __name__ == "__main__":
    main()
