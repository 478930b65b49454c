"""`ladderwatch worker`: ingest only (no Telegram), any number of them beside one `ladderwatch run`.

A worker keeps up to `pipeline.REFRESHES_AT_ONCE` refreshes in flight and tops them up
by leasing `CLAIM` due sources at a time (PostgreSQL `FOR UPDATE SKIP LOCKED`, a lease
per source: see `storage.sources.claim_due_sources`). Small claims taken as slots free
up, rather than a big batch awaited as a whole, spread the due sources evenly over the
workers and never leave one worker idle while another finishes a batch it grabbed.
Each refresh commits its own statements and alerts; its lease is given back with the
next claim. The bot process delivers what workers queue. A worker that dies keeps its
leases only until they expire (`pipeline.LEASE`); then another worker polls those
sources. Nothing is polled twice in one interval: a source is leased to one poller at a
time and not due again until its next poll time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.pipeline import LEASE, REFRESHES_AT_ONCE, Pipeline, RefreshResult
from bot.reader.health import unconfigured_kinds
from bot.settings import Settings
from bot.storage import accounts as account_store
from bot.storage import chats as chat_store
from bot.storage import sources as source_store
from bot.storage.chats import ChatAudience

log = logging.getLogger(__name__)

CLAIM = 4  # sources leased per claim: small, so two workers claiming at once share what is due
IDLE_WAIT = timedelta(seconds=5)  # longest nap when nothing is due (a new source waits at most this)
TRANSLATION_RETRY_EVERY = timedelta(minutes=2)
AUDIENCES_FOR = 1.0  # seconds the alert recipients are reused between claims (one query, not one per source)


class _Leases:
    """This worker's side of the lease table: claim due sources, give finished ones back."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.finished: list[int] = []  # refreshed, lease not yet given back
        self._audiences: Sequence[ChatAudience] = ()
        self._audiences_at = float("-inf")

    async def claim(self, limit: int) -> list[int]:
        """Give back the finished leases, then lease up to `limit` due sources (one thread hop)."""
        finished, self.finished = self.finished, []
        return await asyncio.to_thread(self._release_and_claim, finished, limit)

    def _release_and_claim(self, finished: list[int], limit: int) -> list[int]:
        pipeline = self.pipeline
        source_store.release_sources(pipeline.db, finished, pipeline.owner)
        if limit <= 0:
            return []
        kinds = unconfigured_kinds(pipeline.settings)
        return source_store.claim_due_sources(pipeline.db, pipeline.owner, datetime.now(UTC), LEASE, limit, kinds)

    async def audiences(self) -> Sequence[ChatAudience]:
        """The alert recipients, reloaded at most every AUDIENCES_FOR seconds."""
        if time.monotonic() - self._audiences_at >= AUDIENCES_FOR:
            self._audiences = await asyncio.to_thread(chat_store.audiences, self.pipeline.db)
            self._audiences_at = time.monotonic()
        return self._audiences


async def work(pipeline: Pipeline, stop: asyncio.Event, until_idle: bool = False) -> int:
    """Lease and refresh due sources until `stop` is set (or, `until_idle`, nothing is due);
    returns how many refreshes failed. Refreshes in flight when `stop` is set are finished."""
    leases = _Leases(pipeline)
    running: dict[asyncio.Task[RefreshResult], int] = {}
    failed = 0
    next_retry = datetime.now(UTC) + TRANSLATION_RETRY_EVERY
    try:
        while not stop.is_set():
            free = REFRESHES_AT_ONCE - len(running)
            if free >= CLAIM or not running:  # top up in small steps, not one claim per finished refresh
                claimed = await leases.claim(min(CLAIM, free))
                if claimed:
                    audiences = await leases.audiences()
                    for source_id in claimed:
                        running[asyncio.create_task(pipeline.refresh(source_id, audiences))] = source_id
                    continue
            now = datetime.now(UTC)
            if now >= next_retry:
                await pipeline.retry_translations()
                next_retry = now + TRANSLATION_RETRY_EVERY
            if running:
                failed += await _collect(running, leases)
            elif until_idle:
                break
            else:
                await _nap(pipeline, stop, now)
        while running:
            failed += await _collect(running, leases)
    finally:
        if running:  # cancelled: the refreshes are not finished, their leases expire
            for task in running:
                task.cancel()
        await asyncio.to_thread(source_store.release_sources, pipeline.db, leases.finished, pipeline.owner)
    return failed


async def _collect(running: dict[asyncio.Task[RefreshResult], int], leases: _Leases) -> int:
    """Wait for at least one refresh to finish; its lease goes back with the next claim.
    Returns how many of those failed (a refresh never raises: see `Pipeline.refresh`)."""
    done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
    failed = 0
    for task in done:
        leases.finished.append(running.pop(task))
        if task.result().error:
            failed += 1
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
    started = datetime.now(UTC)
    try:
        failed = await work(pipeline, stop, until_idle)
        fetched = (  # only a batch run reports what it read
            [
                row
                for row in await asyncio.to_thread(account_store.list_source_rows, pipeline.db)
                if row.last_fetch_at is not None and row.last_fetch_at >= started
            ]
            if until_idle
            else []
        )
    finally:
        await pipeline.close()
    log.info("worker %s stopped (%d failed refreshes)", pipeline.owner, failed)
    if fetched and all(row.consecutive_errors for row in fetched):
        log.error("none of the %d sources fetched answered: nothing was read (see the errors above)", len(fetched))
        return 1  # a batch run that read nothing is a failure, as `poll --once`
    return 0


def run_worker(settings: Settings, until_idle: bool = False) -> int:
    """Entry point of `ladderwatch worker`; returns the exit status."""
    return asyncio.run(_main(settings, until_idle))
