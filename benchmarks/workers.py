"""Scale-out: N loopback feeds ingested by 1 and then 2 `ladderwatch worker --until-idle`
processes sharing one PostgreSQL database; throughput of 2 against 1.

Needs a PostgreSQL database the runner may empty: LADDERWATCH_BENCH_POSTGRES_URL (or
LADDERWATCH_TEST_POSTGRES_URL, as `.ci/run` sets it). Each run starts on an empty schema
(`ladderwatch db upgrade`) with the watchlist loaded. Throughput is a long-running
worker's, so start-up (imports, classifier, watchlist: seconds of CPU per process) is
timed apart: the runner holds the sources table locked until every worker is waiting at
its first claim, so all start working at the same instant, and the clock runs from
there until the last one exits. Statements are counted in the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, text

from benchmarks.procs import ROOT, FeedFarm, bot_env, run_measured, write_watchlist

GATE_TIMEOUT = 120.0  # seconds the workers may take to start up


@dataclass(frozen=True)
class WorkerFigures:
    workers: int
    statements: int
    seconds: float  # from the moment every worker was ready until the last one exited
    cpu_seconds: float  # all workers together, over those seconds
    startup_seconds: float  # from starting the processes until every one was ready
    startup_cpu_seconds: float  # all workers together, before they were ready

    @property
    def rate(self) -> float:
        return self.statements / self.seconds


def postgres_url() -> str | None:
    return os.environ.get("LADDERWATCH_BENCH_POSTGRES_URL") or os.environ.get("LADDERWATCH_TEST_POSTGRES_URL")


def _empty(url: str) -> None:
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


def _load_watchlist(url: str, folder: Path) -> None:
    """The sources exist before the gate closes (a worker's own watchlist load then only reads them)."""
    from bot.storage.accounts import sync_watchlist
    from bot.storage.db import Database
    from bot.watchlist import load_watchlist

    db = Database(url)
    sync_watchlist(db, load_watchlist(folder / "watchlist.yaml"))
    db.close()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_at_gate(connection: Connection, processes: list[subprocess.Popen[bytes]]) -> None:
    """Return once every worker waits for the sources lock (started up, at its first claim)."""
    deadline = time.monotonic() + GATE_TIMEOUT
    waiting = text("SELECT count(*) FROM pg_locks WHERE relation = 'sources'::regclass AND NOT granted")
    while connection.execute(waiting).scalar_one() < len(processes):
        if any(process.poll() is not None for process in processes):
            raise RuntimeError("a worker exited during start-up; run it alone to see why")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the workers were not ready within {GATE_TIMEOUT} s")
        time.sleep(0.05)


def measure_workers(url: str, workers: int, feeds: int, entries: int) -> WorkerFigures:
    from bot.storage.db import Database

    _empty(url)
    with tempfile.TemporaryDirectory(prefix="lw-bench-") as temp, FeedFarm(feeds, entries) as farm:
        folder = Path(temp)
        write_watchlist(folder, [farm.url(n) for n in range(feeds)])
        env = bot_env(folder, DATABASE_URL=url)
        upgrade = run_measured(["-m", "bot", "db", "upgrade"], env)
        if upgrade.returncode != 0:
            raise RuntimeError(f"db upgrade failed:\n{upgrade.stderr[-2000:]}")
        _load_watchlist(url, folder)
        gate = Database(url)
        with gate.engine.connect() as connection:
            # EXCLUSIVE lets a worker start up (its watchlist load reads sources) but holds
            # its first claim (SELECT … FOR UPDATE) until the commit below opens the gate.
            connection.execute(text("LOCK TABLE sources IN EXCLUSIVE MODE"))
            launched = time.perf_counter()
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
            try:
                _wait_at_gate(connection, processes)
            except RuntimeError:
                for process in processes:
                    process.kill()
                    process.wait()
                raise
            startup_cpu = sum(_cpu_seconds(process.pid) for process in processes)
            started = time.perf_counter()
            connection.commit()
        gate.close()
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
    return WorkerFigures(workers, stored, seconds, cpu - startup_cpu, started - launched, startup_cpu)
