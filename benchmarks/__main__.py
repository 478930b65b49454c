"""`python -m benchmarks [--quick] [--json FILE]`: one table of Ladderwatch's throughput figures.

Every peer is a loopback server the runner starts itself (feed farm, Bot API test double);
every bot step runs as its own process, as a user would run it. `--quick` runs small sizes
(for CI: it checks the runner works and the figures are sane, never their speed). The
machine is shared and noisy: the table says what it ran on and how loaded it was.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import time
from dataclasses import dataclass

from benchmarks.classifier import measure_classifier
from benchmarks.fanout import measure_fanout
from benchmarks.ingest import measure_ingest
from benchmarks.latency import measure_latency
from benchmarks.workers import measure_workers, postgres_url


@dataclass(frozen=True)
class Sizes:
    ingest: tuple[tuple[int, int], ...]  # (feeds, entries per feed)
    cli_statements: int
    repeat: int
    fanout_chats: tuple[int, int]  # small and large, to show memory flat in the number of chats
    fanout_scale: float
    latency_feeds: int
    latency_rounds: int
    workers: tuple[int, int]  # (feeds, entries per feed) for 1 against 2 workers


FULL = Sizes(((600, 20), (5000, 5)), 4000, 2, (1000, 5000), 4.0, 10, 3, (600, 20))
# Quick: one ingest size, above the pool's threshold so the forked workers run too.
QUICK = Sizes(((60, 3),), 300, 1, (60, 200), 4.0, 3, 1, (30, 5))


def machine() -> str:
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "unknown CPU")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
        f"load average {load}"
    )


Row = tuple[str, str, str, bool | None]  # measure, measured, target, met (None: no target)


def ingest_rows(feeds: int, entries: int, figures: dict[str, object]) -> list[Row]:
    f = measure_ingest(feeds, entries)
    figures[f"ingest_{feeds}x{entries}"] = f.__dict__ | {"rate": f.rate}
    limit = 4.0 if feeds <= 600 else 10.0
    peak = max(f.first_peak_mb, f.second_peak_mb)
    return [
        (
            f"ingest {feeds} feeds × {entries} new (poll --once)",
            f"{f.rate:,.0f} statements/s ({f.new_statements:,} in {f.first_seconds:.1f} s; "
            f"CPU {f.first_cpu_seconds:.1f} s)",
            "≥ 2,000/s",
            f.rate >= 2000,
        ),
        (
            f"unchanged second poll, {feeds} feeds",
            f"{f.second_seconds:.1f} s (CPU {f.second_cpu_seconds:.1f} s), {f.share_304:.0%} answered 304",
            f"≤ {limit:.0f} s",
            f.second_seconds <= limit,
        ),
        (f"peak RSS, {feeds} feeds", f"{peak:.0f} MB", "≤ 250 MB", peak <= 250),
    ]


def classifier_rows(sizes: Sizes, figures: dict[str, object]) -> list[Row]:
    c = measure_classifier(sizes.cli_statements, sizes.repeat)
    figures["classifier"] = c.__dict__ | {
        "median_ratio": c.median_ratio,
        "cli_ratio": c.cli_ratio,
        "cli_cpu_ratio": c.cli_cpu_ratio,
    }
    return [
        ("detect + classify per statement", f"median {c.median_ms:.2f} ms, p95 {c.p95_ms:.2f} ms", "", None),
        (
            "langdetect alone per statement",
            f"median {c.langdetect_median_ms:.2f} ms, p95 {c.langdetect_p95_ms:.2f} ms",
            "",
            None,
        ),
        (
            f"classify --jsonl --no-translate, {c.cli_statements:,}: wall",
            f"{c.cli_seconds:.1f} s = {c.cli_ratio:.2f}× langdetect alone ({c.langdetect_seconds:.1f} s)",
            "≤ 1.0×",
            c.cli_ratio <= 1.0,
        ),
        (
            f"classify --jsonl --no-translate, {c.cli_statements:,}: CPU",
            f"{c.cli_cpu_seconds:.1f} s = {c.cli_cpu_ratio:.2f}× langdetect alone ({c.langdetect_cpu_seconds:.1f} s)",
            "≤ 1.0×",
            c.cli_cpu_ratio <= 1.0,
        ),
    ]


def fanout_rows(sizes: Sizes, figures: dict[str, object]) -> list[Row]:
    small, large = (measure_fanout(chats, sizes.fanout_scale) for chats in sizes.fanout_chats)
    figures["fanout"] = [small.__dict__ | {"rate": small.rate}, large.__dict__ | {"rate": large.rate}]
    share = large.rate / large.limit
    return [
        (
            f"fan-out to {large.chats:,} chats (limits ×{large.scale:g}: {large.limit:.0f}/s)",
            f"{large.rate:.0f} msg/s = {share:.0%} of the limit, {large.refusals_429} × 429",
            "≥ 90%, no 429",
            share >= 0.9 and large.refusals_429 == 0,
        ),
        (
            f"fan-out peak RSS {small.chats:,} → {large.chats:,} chats",
            f"{small.peak_rss_mb:.0f} → {large.peak_rss_mb:.0f} MB",
            "flat",
            large.peak_rss_mb - small.peak_rss_mb <= 20,
        ),
    ]


def latency_rows(sizes: Sizes, figures: dict[str, object]) -> list[Row]:
    latency = measure_latency(sizes.latency_feeds, sizes.latency_rounds)
    figures["latency"] = latency.__dict__
    target = latency.poll_seconds + 2
    return [
        (
            f"feed publish → alert accepted ({latency.samples} items, poll every {latency.poll_seconds} s)",
            f"p50 {latency.p50:.1f} s, p95 {latency.p95:.1f} s",
            f"p95 ≤ {target} s",
            latency.p95 <= target,
        )
    ]


def worker_rows(sizes: Sizes, figures: dict[str, object]) -> list[Row]:
    url = postgres_url()
    feeds, entries = sizes.workers
    name = f"2 workers vs 1 on PostgreSQL, {feeds} feeds × {entries}"
    if url is None:
        return [(name, "not run: set LADDERWATCH_BENCH_POSTGRES_URL", "≥ 1.6×", None)]
    one, two = (measure_workers(url, workers, feeds, entries) for workers in (1, 2))
    figures["workers"] = [one.__dict__ | {"rate": one.rate}, two.__dict__ | {"rate": two.rate}]
    ratio = two.rate / one.rate
    return [
        (
            name,
            f"{two.rate:,.0f} vs {one.rate:,.0f} statements/s = {ratio:.2f}× "
            f"({two.seconds:.1f} s vs {one.seconds:.1f} s; CPU {two.cpu_seconds:.1f} s vs {one.cpu_seconds:.1f} s; "
            f"start-up apart: {two.startup_seconds:.1f} s vs {one.startup_seconds:.1f} s)",
            "≥ 1.6×",
            ratio >= 1.6,
        )
    ]


def run(sizes: Sizes) -> tuple[list[Row], dict[str, object]]:
    figures: dict[str, object] = {}
    rows: list[Row] = []
    for feeds, entries in sizes.ingest:
        rows += ingest_rows(feeds, entries, figures)
    rows += classifier_rows(sizes, figures)
    rows += fanout_rows(sizes, figures)
    rows += latency_rows(sizes, figures)
    rows += worker_rows(sizes, figures)
    return rows, figures


def print_table(rows: list[Row]) -> None:
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(f"| {'measure':<{width}} | {'measured':<{value_width}} | target | met |")
    print(f"|{'-' * (width + 2)}|{'-' * (value_width + 2)}|---|---|")
    for name, value, target, met in rows:
        mark = "" if met is None else ("yes" if met else "NO")
        print(f"| {name:<{width}} | {value:<{value_width}} | {target} | {mark} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI): checks the runner, not the speed")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    arguments = parser.parse_args()
    sizes = QUICK if arguments.quick else FULL
    before = machine()
    started = time.perf_counter()
    rows, figures = run(sizes)
    kind = "quick" if arguments.quick else "full"
    print(f"Ladderwatch benchmarks ({kind} sizes), {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"machine at start: {before}")
    print(f"machine at end:   {machine()}")
    print(f"took {time.perf_counter() - started:.0f} s\n")
    print_table(rows)
    if arguments.json:
        with open(arguments.json, "w", encoding="utf-8") as out:
            json.dump({"quick": arguments.quick, "rows": rows, "figures": figures}, out, indent=1, default=str)
    sys.exit(0)


if __name__ == "__main__":
    main()
