"""Scale-out: N loopback feeds ingested by 1 and then 2 `ladderwatch worker --until-idle`
processes sharing one PostgreSQL database; throughput of 2 against 1.

Needs a PostgreSQL database the runner may empty: LADDERWATCH_BENCH_POSTGRES_URL (or
LADDERWATCH_TEST_POSTGRES_URL, as `.ci/run` sets it). Each run starts on an empty schema
(`ladderwatch db upgrade`), the workers start together, and the time runs until the last
one exits; statements are counted in the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.procs import ROOT, FeedFarm, bot_env, run_measured, write_watchlist


@dataclass(frozen=True)
class WorkerFigures:
    workers: int
    statements: int
    seconds: float
    cpu_seconds: float  # all workers together

    @property
    def rate(self) -> float:
        return self.statements / self.seconds


def postgres_url() -> str | None:
    return os.environ.get("LADDERWATCH_BENCH_POSTGRES_URL") or os.environ.get("LADDERWATCH_TEST_POSTGRES_URL")


def _empty(url: str) -> None:
    from sqlalchemy import text

    from bot.storage.db import Database

    db = Database(url)
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.close()


def _stored(url: str) -> int:
    from sqlalchemy import func, select

    from bot.storage.db import Database
    from bot.storage.tables import StatementRow

    db = Database(url)
    with db.session() as session:
        count = int(session.scalar(select(func.count()).select_from(StatementRow)) or 0)
    db.close()
    return count


def measure_workers(url: str, workers: int, feeds: int, entries: int) -> WorkerFigures:
    _empty(url)
    with tempfile.TemporaryDirectory(prefix="lw-bench-") as temp, FeedFarm(feeds, entries) as farm:
        folder = Path(temp)
        write_watchlist(folder, [farm.url(n) for n in range(feeds)])
        env = bot_env(folder, DATABASE_URL=url)
        upgrade = run_measured(["-m", "bot", "db", "upgrade"], env)
        if upgrade.returncode != 0:
            raise RuntimeError(f"db upgrade failed:\n{upgrade.stderr[-2000:]}")
        started = time.perf_counter()
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "worker", "--until-idle"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        cpu = 0.0
        for process in processes:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            cpu += usage.ru_utime + usage.ru_stime
        seconds = time.perf_counter() - started
        if any(process.returncode for process in processes):
            raise RuntimeError(f"a worker failed (exit {[p.returncode for p in processes]}); run it alone to see why")
    stored = _stored(url)
    if stored != feeds * entries:
        raise RuntimeError(f"{workers} workers stored {stored} of {feeds * entries} statements")
    return WorkerFigures(workers, stored, seconds, cpu)
