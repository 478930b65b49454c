"""`ladderwatch worker`'s loop: small claims topped up while refreshes run, each source
refreshed once in its interval, every lease given back, failures counted.

Real SQLite file, real feed server, real pipeline; two workers are two pipelines (each
its own owner) sharing the database, as two processes would.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot import worker
from bot.pipeline import Pipeline
from bot.settings import load_settings
from bot.storage.tables import SourceRow, StatementRow
from tests.faults.hostile import item, rss

SOURCES = 3 * worker.CLAIM + 1  # more than one claim's worth, not a multiple of it
ITEMS = 2


def _feed(number: int) -> bytes:
    return rss(
        "".join(
            item(
                f"Ministry {number} held talks number {n} today.",
                guid=f"s{number}-{n}",
                date="Sat, 10 May 2025 12:00:00 GMT",
            )
            for n in range(ITEMS)
        )
    )


@pytest.fixture
def settings(tmp_path, feed_server):
    lines = ["accounts:"]
    for n in range(SOURCES):
        if n == 0:
            feed_server.set("/missing.xml", b"gone", status=404)
            url = feed_server.url("/missing.xml")
        else:
            feed_server.set(f"/s{n}.xml", _feed(n))
            url = feed_server.url(f"/s{n}.xml")
        lines += [f"  - id: acc-{n}", f"    name: Account {n}", "    sources:", f"      - rss: {url}"]
    config = tmp_path / "config"
    config.mkdir()
    (config / "watchlist.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'ladderwatch.sqlite3'}",
            "LADDERWATCH_CONFIG": str(config),
            "LADDERWATCH_ALLOW_PRIVATE_URLS": "1",
            "LADDERWATCH_TRANSLATOR": "none",
            "LADDERWATCH_POLL_SECONDS": "600",
        },
        env_file=None,
    )


def _hits(feed_server) -> list[int]:
    return [feed_server.hits("/missing.xml")] + [feed_server.hits(f"/s{n}.xml") for n in range(1, SOURCES)]


def _leases_and_statements(pipeline: Pipeline) -> tuple[int, int]:
    with pipeline.db.session() as session:
        leased = session.scalar(select(func.count()).where(SourceRow.lease_owner.is_not(None)))
        stored = session.scalar(select(func.count()).select_from(StatementRow))
        return int(leased or 0), int(stored or 0)


async def test_one_worker_refreshes_every_due_source_once_and_gives_every_lease_back(settings, feed_server):
    pipeline = await Pipeline.open(settings)
    try:
        failed = await worker.work(pipeline, asyncio.Event(), until_idle=True)
        assert _hits(feed_server) == [1] * SOURCES
        assert failed == 1  # the 404 source, counted, the others unharmed
        assert _leases_and_statements(pipeline) == (0, (SOURCES - 1) * ITEMS)
        assert await worker.work(pipeline, asyncio.Event(), until_idle=True) == 0  # nothing due: idle at once
        assert _hits(feed_server) == [1] * SOURCES
    finally:
        await pipeline.close()


async def test_two_workers_claiming_side_by_side_fetch_each_source_once(settings, feed_server):
    first, second = await Pipeline.open(settings), await Pipeline.open(settings)
    try:
        failed = await asyncio.gather(
            worker.work(first, asyncio.Event(), until_idle=True),
            worker.work(second, asyncio.Event(), until_idle=True),
        )
        assert _hits(feed_server) == [1] * SOURCES
        assert sum(failed) == 1
        assert _leases_and_statements(first) == (0, (SOURCES - 1) * ITEMS)
    finally:
        await first.close()
        await second.close()


async def test_a_stopped_worker_finishes_its_refreshes_and_gives_their_leases_back(settings, feed_server):
    pipeline = await Pipeline.open(settings)
    stop = asyncio.Event()
    real_refresh = pipeline.refresh

    async def refresh_then_stop(source_id: int, audiences: object = None):
        stop.set()  # asked to stop while the first claim's refreshes are in flight
        return await real_refresh(source_id, audiences)

    pipeline.refresh = refresh_then_stop  # type: ignore[method-assign]
    try:
        failed = await worker.work(pipeline, stop)
        hits = _hits(feed_server)
        assert 0 < sum(hits) < SOURCES and max(hits) == 1  # what it had leased, it finished; then it stopped
        assert _leases_and_statements(pipeline)[0] == 0
        failed += await worker.work(pipeline, asyncio.Event(), until_idle=True)  # the rest are still due
        assert failed == 1
        assert _hits(feed_server) == [1] * SOURCES
    finally:
        await pipeline.close()
