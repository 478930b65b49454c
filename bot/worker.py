"""`ladderwatch worker`: ingest only (no Telegram), any number of them beside one `ladderwatch run`.

Each turn leases up to `BATCH` due sources (PostgreSQL `FOR UPDATE SKIP LOCKED`, a lease
per source: see `storage.sources.claim_due_sources`), refreshes them through the whole
pipeline, stores statements and queues alerts, and gives the leases back. The bot process
delivers what workers queue. A worker that dies keeps its leases only until they expire
(`pipeline.LEASE`); then another worker polls those sources. Nothing is polled twice in
one interval: a source is leased to one poller at a time and not due again until its
next poll time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import UTC, datetime, timedelta

from bot.pipeline import Pipeline
from bot.settings import Settings

log = logging.getLogger(__name__)

BATCH = 50
IDLE_WAIT = timedelta(seconds=5)  # longest nap when nothing is due (a new source waits at most this)
TRANSLATION_RETRY_EVERY = timedelta(minutes=2)


async def work(pipeline: Pipeline, stop: asyncio.Event, until_idle: bool = False) -> int:
    """Lease and refresh due sources until `stop` is set (or, `until_idle`, nothing is due);
    returns how many refreshes failed."""
    failed = 0
    next_retry = datetime.now(UTC) + TRANSLATION_RETRY_EVERY
    while not stop.is_set():
        results = await pipeline.refresh_due(BATCH)
        for result in results:
            if result.error:
                failed += 1
        now = datetime.now(UTC)
        if now >= next_retry:
            await pipeline.retry_translations()
            next_retry = now + TRANSLATION_RETRY_EVERY
        if results:
            continue
        if until_idle:
            break
        await _nap(pipeline, stop, now)
    return failed


async def _nap(pipeline: Pipeline, stop: asyncio.Event, now: datetime) -> None:
    """Sleep until the soonest source is due (at most IDLE_WAIT), waking early on stop."""
    schedule = await asyncio.to_thread(pipeline.due_sources, now)  # what this worker may fetch
    soonest = min((when for _, when in schedule), default=now + IDLE_WAIT)
    wait = min(max((soonest - now).total_seconds(), 0.2), IDLE_WAIT.total_seconds())
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), wait)


async def _main(settings: Settings, until_idle: bool) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    pipeline = await Pipeline.open(settings)
    log.info("worker %s started", pipeline.owner)
    try:
        failed = await work(pipeline, stop, until_idle)
    finally:
        await pipeline.close()
    log.info("worker %s stopped (%d failed refreshes)", pipeline.owner, failed)
    return 0


def run_worker(settings: Settings, until_idle: bool = False) -> int:
    """Entry point of `ladderwatch worker`; returns the exit status."""
    return asyncio.run(_main(settings, until_idle))
