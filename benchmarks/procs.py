"""Child processes for the benchmarks: the CLI as a user runs it, timed, with its peak RSS.

Each measured step is its own process, so peak RSS is that step's alone (`os.wait4`
reports the child's maximum resident set) and start-up costs count as a user pays them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import yaml

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Measured:
    seconds: float
    cpu_seconds: float  # user + system: what the work cost, whatever else loads the machine
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_measured(args: list[str], env: dict[str, str], stdin: str | None = None) -> Measured:
    """Run `python ARGS` from the checkout; wall time and the child's own peak RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            text=True,
        )
        if stdin is not None:
            assert process.stdin is not None
            process.stdin.write(stdin)
            process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return Measured(seconds, cpu, usage.ru_maxrss / 1024, process.returncode, out.read(), err.read())


def bot_env(folder: Path, **extra: str) -> dict[str, str]:
    """Settings for a bot process on its own SQLite file, translation off, loopback feeds allowed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LADDERWATCH_", "TELEGRAM_", "DATABASE_URL"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite3'}",
        LADDERWATCH_CONFIG=str(folder),
        LADDERWATCH_TRANSLATOR="none",
        LADDERWATCH_ALLOW_PRIVATE_URLS="1",
        LADDERWATCH_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def write_watchlist(folder: Path, urls: list[str], country: str = "IT") -> None:
    accounts = [
        {"id": f"bench-{n}", "name": f"Bench account {n}", "country": country, "sources": [{"rss": url}]}
        for n, url in enumerate(urls)
    ]
    (folder / "watchlist.yaml").write_text(yaml.safe_dump({"accounts": accounts}), "utf-8")


class FeedFarm:
    """`python -m benchmarks.feeds` in its own process; `url(i)` is feed i."""

    def __init__(self, feeds: int, entries: int) -> None:
        self.feeds, self.entries = feeds, entries
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> Self:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.feeds", "--feeds", str(self.feeds), "--entries", str(self.entries)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def url(self, feed: int) -> str:
        from benchmarks.feeds import feed_url

        return feed_url(self.port, feed)

    def _get(self, path: str) -> bytes:
        with urllib.request.urlopen(f"http://127.0.0.2:{self.port}{path}", timeout=10) as answer:
            return answer.read()

    def stats(self) -> dict[str, int]:
        return json.loads(self._get("/_stats"))

    def reset(self) -> None:
        self._get("/_reset")

    def publish(self, feed: int) -> float:
        """Add an item to `feed`; the wall-clock time it went up."""
        return float(self._get(f"/_publish?feed={feed}"))
