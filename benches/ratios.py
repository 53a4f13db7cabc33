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

First, for each byte-string key set, one table of the targets: "target | read path |
cowtrie | peer | ratio | met?", the ratio being cowtrie's speed divided by the peer's (1
or more: cowtrie is as fast or faster). The read targets have one row per public read
path, named in the "read path" column: `cowtrie` (`get_with`) and `cowtrie (reader)` (a
per-thread `Reader`); the target on `get` has the row `cowtrie (guard)`, against
`cowtrie`; the write and scan targets, one row (`cowtrie`: every path writes and scans
the same store). A peer given as "the faster of" is the faster of those stores in that
group and key set, and needs all of them measured. If the u64keys bench's results are
there, the same table for its key set `u64`, against congee. Then, if `memory.md` is
there, memory per key against imbl. Then one table per criterion group: time per op of
every store and cowtrie's speed-up against it (`their time / cowtrie's time`; in the
root_load groups the reference is `RootCell::read`), and the writers' rates. Anything
missing prints as "not measured".
"""

import json
import os
import pathlib
import signal
import sys

KEY_SETS = ["random16", "words"]
U64_KEY_SET = "u64"
COWTRIE = "cowtrie"
COWTRIE_GUARD = "cowtrie (guard)"
COWTRIE_READER = "cowtrie (reader)"
IMBL = "ArcSwap<imbl::HashMap>"
IMBL_ORDMAP = "ArcSwap<imbl::OrdMap>"
CONCREAD = "concread::BptreeMap"
DASHMAP = "DashMap"
RWLOCK_HASHMAP = "RwLock<HashMap>"
RWLOCK_BTREEMAP = "RwLock<BTreeMap>"
SCC_TREEINDEX = "scc::TreeIndex"
SKIPMAP = "crossbeam_skiplist::SkipMap"
CONGEE = "congee"
NOT_MEASURED = "not measured"

# The public read paths, each with its row in the read targets; writes and scans go
# through the one store, so their targets have one row, cowtrie's.
READ_PATHS = (COWTRIE, COWTRIE_READER)
ONE_ROW = (COWTRIE,)
# The ordered peers that take reads and writes concurrently.
ORDERED = [RWLOCK_BTREEMAP, SCC_TREEINDEX, SKIPMAP, CONCREAD, IMBL_ORDMAP]
# The faster of the two hash maps, chosen per group and key set.
FASTER_HASH_MAP = (DASHMAP, RWLOCK_HASHMAP)
# Persistent peers (a new version per write) and ordered peers that write in place.
PERSISTENT = [IMBL_ORDMAP, IMBL, CONCREAD]
IN_PLACE_ORDERED = [RWLOCK_BTREEMAP, SCC_TREEINDEX, SKIPMAP]

GET = "get (hit), one thread"
READ_1R = "reads per reader under a writer, 1r + 1w"
PUT = "put, one thread (new version per put)"
WRITER_1R = "writer throughput, 1 reader + 1 writer"

# (target, source, group, peer, ratio needed, unit, cowtrie's rows). source "writer": the
# writer's rate from writer_rates.tsv; "criterion": time per element from criterion's
# estimates. peer: a store, or a tuple of stores whose faster one is the peer. One row
# per store in cowtrie's rows, measured against the same peer.
TARGETS = [
    *[(GET, "criterion", "get_hit", peer, 1, "gets", READ_PATHS) for peer in ORDERED],
    (GET, "criterion", "get_hit", FASTER_HASH_MAP, 0.5, "gets", READ_PATHS),
    *[(READ_1R, "criterion", "read_under_writer_1r", peer, 1, "reads", READ_PATHS) for peer in ORDERED],
    (READ_1R, "criterion", "read_under_writer_1r", FASTER_HASH_MAP, 0.5, "reads", READ_PATHS),
    # `get` returning a guard takes at most 1.3× the time of `get_with`.
    (f"{GET}, `get` (guard) within 1.3× of `get_with`'s time", "criterion", "get_hit", COWTRIE,
     1 / 1.3, "gets", (COWTRIE_GUARD,)),
    *[(PUT, "criterion", "put", peer, 1, "puts", ONE_ROW) for peer in PERSISTENT],
    *[(PUT, "criterion", "put", peer, 0.5, "puts", ONE_ROW) for peer in IN_PLACE_ORDERED],
    *[(WRITER_1R, "writer", "read_under_writer_1r", peer, 1, "ops", ONE_ROW) for peer in PERSISTENT],
    *[(WRITER_1R, "writer", "read_under_writer_1r", peer, 0.5, "ops", ONE_ROW) for peer in IN_PLACE_ORDERED],
    ("prefix scan, ~0.1% of keys", "criterion", "scan_prefix_0.001", RWLOCK_BTREEMAP, 1, "keys", ONE_ROW),
    ("prefix scan, ~10% of keys", "criterion", "scan_prefix_0.1", RWLOCK_BTREEMAP, 1, "keys", ONE_ROW),
    ("range scan, ~0.1% of keys", "criterion", "scan_range_0.001", RWLOCK_BTREEMAP, 1, "keys", ONE_ROW),
    ("range scan, ~10% of keys", "criterion", "scan_range_0.1", RWLOCK_BTREEMAP, 1, "keys", ONE_ROW),
]

# The u64keys bench's targets, on its key set `u64`.
U64_TARGETS = [
    (GET, "criterion", "get_hit", CONGEE, 1, "gets", READ_PATHS),
    (READ_1R, "criterion", "read_under_writer_1r", CONGEE, 1, "reads", READ_PATHS),
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


def peer_speed(source, group, keyset, peer, groups, rates):
    """(the peer's name, its measured speed or None); a tuple of stores gives the faster."""
    if isinstance(peer, str):
        return peer, speed(source, group, keyset, peer, groups, rates)
    measured = [(name, speed(source, group, keyset, name, groups, rates)) for name in peer]
    if any(found is None for _, found in measured):
        return None, None
    return max(measured, key=lambda row: row[1][0])


def show_needed(needed):
    return f"{needed:.2f}".rstrip("0").rstrip(".")


def targets_table(keyset, targets, groups, rates):
    print(f"\n### Targets: {keyset}\n")
    print("| target | read path | cowtrie | peer | ratio | met? |")
    print("|---|---|---|---|---|---|")
    for target, source, group, peer, needed, unit, paths in targets:
        named = peer if isinstance(peer, str) else "the faster of " + " and ".join(peer)
        name, theirs = peer_speed(source, group, keyset, peer, groups, rates)
        shown_theirs = show_speed(theirs, unit)
        if theirs and name != named:
            shown_theirs = f"{name}: {shown_theirs}"
        for path in paths:
            ours = speed(source, group, keyset, path, groups, rates)
            if ours and theirs:
                ratio = ours[0] / theirs[0]
                shown, met = f"{ratio:.2f}×", "yes" if ratio >= needed else "no"
            else:
                shown, met = "-", NOT_MEASURED
            print(
                f"| {target}: ≥ {show_needed(needed)}× {named} | {path} "
                f"| {show_speed(ours, unit)} | {shown_theirs} | {shown} | {met} |"
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
        targets_table(keyset, TARGETS, groups, rates)
    u64_measured = any(group.endswith(f"/{U64_KEY_SET}") for group in groups)
    if u64_measured or any(keyset == U64_KEY_SET for _, keyset, _ in rates):
        targets_table(U64_KEY_SET, U64_TARGETS, groups, rates)
    if memory:
        memory_table(memory)
    group_tables(groups)
    writer_tables(rates)


if __name__ == "__main__":
    main()
