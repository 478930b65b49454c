"""Ingest: `ladderwatch poll --once` on N loopback feeds of E new items, then again unchanged.

The first poll stores every item (rate = new statements / wall time, start-up included,
as a user times the command); the second finds every feed unchanged (ETag → 304).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.procs import FeedFarm, bot_env, run_measured, write_watchlist

SUMMARY = re.compile(r"(\d+) new statements from (\d+) sources; (\d+) sources failed")


@dataclass(frozen=True)
class IngestFigures:
    feeds: int
    entries: int
    new_statements: int
    first_seconds: float
    first_cpu_seconds: float
    first_peak_mb: float
    second_seconds: float
    second_cpu_seconds: float
    second_peak_mb: float
    share_304: float
    failed_sources: int

    @property
    def rate(self) -> float:
        return self.new_statements / self.first_seconds


def _summary(stderr: str) -> tuple[int, int]:
    found = SUMMARY.findall(stderr)
    if not found:
        raise RuntimeError(f"poll --once printed no summary:\n{stderr[-2000:]}")
    new, _, failed = (int(x) for x in found[-1])
    return new, failed


def measure_ingest(feeds: int, entries: int) -> IngestFigures:
    with tempfile.TemporaryDirectory(prefix="lw-bench-") as temp, FeedFarm(feeds, entries) as farm:
        folder = Path(temp)
        write_watchlist(folder, [farm.url(n) for n in range(feeds)])
        env = bot_env(folder)
        setup = run_measured(["-m", "bot", "db", "upgrade"], env)  # not part of the poll's time
        if setup.returncode != 0:
            raise RuntimeError(f"db upgrade failed:\n{setup.stderr[-2000:]}")
        first = run_measured(["-m", "bot", "poll", "--once"], env)
        new, failed = _summary(first.stderr)
        farm.reset()
        second = run_measured(["-m", "bot", "poll", "--once"], env)
        _, failed_again = _summary(second.stderr)
        stats = farm.stats()
        answered = stats["200"] + stats["304"]
        return IngestFigures(
            feeds,
            entries,
            new,
            first.seconds,
            first.cpu_seconds,
            first.peak_rss_mb,
            second.seconds,
            second.cpu_seconds,
            second.peak_rss_mb,
            stats["304"] / answered if answered else 0.0,
            failed + failed_again,
        )
