"""The pipeline, one call per stage: `refresh` reads like DESIGN.md's data flow.

sources → fetch → parse → dedupe → language → translate → classify → store → alerts.
A refresh is total: whatever goes wrong inside it, expected or not, is written to the
source's row as a kind and one line, and retried on a back-off schedule; one source
never stops the others. A source failing for 48 hours is switched off (the caller tells
the administrators). When a source is polled next is `backoff`'s, what a failure writes
is `refresh_failures`', and the language → translation → classification stage is
`analysis`'. A failed translation stores the statement untranslated, classified on the
original, and `retry_translations` tries again later.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot import metrics
from bot.alerts import queue_alerts
from bot.analysis import Analyser, classification_text
from bot.backoff import DISABLE_AFTER, next_poll_after_failure, next_poll_after_success, with_jitter
from bot.classify import Classifier
from bot.cpu_stages import CpuStages, default_workers
from bot.dedupe import to_statements
from bot.model import AnalysedStatement, FeedEntry, SourceKind, SourceSpec
from bot.reader.discovery import find_feed_links
from bot.reader.fetch_errors import FetchError
from bot.reader.fetcher import Fetcher, FetchResult
from bot.reader.health import unconfigured_kinds
from bot.reader.parser import FORMAT_FEED, ParseError, parse_document
from bot.reader.social import mark_reposts
from bot.reader.sources import resolve_source
from bot.refresh_failures import failure_kind
from bot.settings import Settings
from bot.source_pass import SourcePass
from bot.storage import accounts as account_store
from bot.storage import chats as chat_store
from bot.storage import sources as source_store
from bot.storage import statements as statement_store
from bot.storage.chats import ChatAudience
from bot.storage.db import Database, open_database
from bot.storage.sources import SourceAccount, SourceState, Unchanged
from bot.storage.statements import StoredStatement
from bot.translate import TranslationService
from bot.watchlist import WatchlistError, load_watchlist

log = logging.getLogger(__name__)

# How long a poller holds a source: past it, the poller is presumed dead and another takes
# the source (longer than any refresh, translation included, should take).
LEASE = timedelta(minutes=5)
# Refreshes of one pass in flight at once: enough to keep the fetcher's connections busy,
# few enough that thousands of sources do not all hold a fetched body in memory together.
REFRESHES_AT_ONCE = 32


@dataclass(frozen=True)
class RefreshResult:
    source_id: int
    account_id: str
    url: str | None
    new_ids: list[int] = field(default_factory=list)
    error: str | None = None
    merged: int = 0  # items of this fetch that repeated another item and were stored once
    disabled: bool = False  # this refresh switched the source off (failing for DISABLE_AFTER)


class Pipeline:
    """Holds the long-lived pieces (database, HTTP client, translator, classifier)."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        fetcher: Fetcher,
        translator: TranslationService,
        classifier: Classifier | None,
        cpu: CpuStages | None = None,
    ) -> None:
        """`classifier` None: loaded when a statement first needs it (see `CpuStages`)."""
        self.settings, self.db, self.fetcher, self.translator = settings, db, fetcher, translator
        self.cpu = cpu or CpuStages(classifier)
        self.analyser = Analyser(db, translator, self.cpu)
        # who holds a source's lease while this process polls it (host, process, instance)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    @classmethod
    async def open(cls, settings: Settings) -> Pipeline:
        db = await asyncio.to_thread(open_database, settings.database_url)
        await asyncio.to_thread(load_configured_watchlist, settings, db)
        return cls(
            settings,
            db,
            Fetcher(allow_private=settings.allow_private_urls),
            TranslationService(settings, db),
            None,
            CpuStages(None, default_workers()),
        )

    @property
    def classifier(self) -> Classifier:
        """Loaded on first use (blocking: from a thread, or once a stage has loaded it)."""
        return self.cpu.classifier

    async def close(self) -> None:
        self.cpu.close()
        await self.fetcher.aclose()
        self.db.close()

    # --- the stages, in order -------------------------------------------------------

    async def refresh(
        self, source_id: int, audiences: Sequence[ChatAudience] | None = None, batch: SourcePass | None = None
    ) -> RefreshResult:
        """One source through every stage; never raises, whatever the source or a stage does.

        `audiences`: the alert recipients, loaded once for a pass of many refreshes (None: load).
        `batch`: the pass's states read up front and its unchanged answers written together.
        """
        now = datetime.now(UTC)
        try:
            found = (
                batch.state(source_id)
                if batch is not None
                else await asyncio.to_thread(source_store.get_source_account, self.db, source_id)
            )
        except Exception as error:  # the database itself; the scheduler retries later
            log.error("cannot read source %s: %s: %s", source_id, type(error).__name__, error)
            return RefreshResult(source_id, "?", None, error=f"database unavailable: {type(error).__name__}")
        if found is None:
            return RefreshResult(source_id, "?", None, error="source no longer exists")
        source, account = found
        stage = "resolve"
        try:
            url, fmt = self._resolve(source)
            stage = "fetch"
            fetched = await self.fetcher.fetch(url, etag=source.etag, last_modified=source.last_modified)
            body_hash = hashlib.sha256(fetched.body).hexdigest() if fetched.status != 304 else source.body_hash
            if fetched.status == 304 or body_hash == source.body_hash:  # nothing new: nothing to parse
                metrics.count_fetch(metrics.NOT_MODIFIED)
                if batch is not None:
                    validators = fetched.etag, fetched.last_modified
                    await batch.unchanged(Unchanged(source.id, fetched.url, *validators, now, self._next_poll(now)))
                else:
                    await asyncio.to_thread(self._write_success, source, fetched, now, [], None)
                return RefreshResult(source_id, account.id, fetched.url)
            stage = "parse"
            fetched, entries = await self._parse(fetched, fmt)
            metrics.count_fetch(metrics.OK)
            stage = "dedupe"
            batch = to_statements(account.id, source.id, mark_reposts(entries, _spec(source)), now)
            stage = "analyse"
            analysed = await self.analyser.analyse_new(account, batch.statements)
            stage = "store"
            newest = max((s.published for s in batch.statements if not s.published_estimated), default=None)
            # One thread call: a cancelled refresh (the bot stopping) cannot store without queuing,
            # and the event loop hands one job to a thread per refresh, not two.
            new_ids = await asyncio.to_thread(
                self._store_and_queue, analysed, now, audiences, source, fetched, newest, body_hash
            )
        except Exception as error:
            return await self._failed(source, account, now, error, stage)
        if batch.merged:
            log.warning(
                "%d of %d items repeated another item of the same fetch (same guid and link and words); stored once",
                batch.merged,
                len(entries),
                extra={"source_id": source.id},
            )
        if new_ids:
            log.info("%d new statements", len(new_ids), extra={"source_id": source.id})
        return RefreshResult(source_id, account.id, fetched.url, new_ids, merged=batch.merged)

    def _store_and_queue(
        self,
        analysed: list[AnalysedStatement],
        now: datetime,
        audiences: Sequence[ChatAudience] | None,
        source: SourceState,
        fetched: FetchResult,
        newest: datetime | None,
        body_hash: str | None,
    ) -> list[int]:
        """Store the new statements and queue their alerts (a first fetch's backlog is skipped
        there), then record the fetch's success."""
        new_ids = statement_store.save_new_statements(self.db, analysed, now)
        queue_alerts(self.db, new_ids, now, audiences)
        self._write_success(source, fetched, now, new_ids, newest, body_hash)
        return new_ids

    async def _failed(
        self, source: SourceState, account: SourceAccount, now: datetime, error: Exception, stage: str
    ) -> RefreshResult:
        """Write the failure to the source's row with its back-off; switch it off after 48 h."""
        kind, line = failure_kind(error, stage)
        metrics.count_fetch(metrics.fetch_failure_outcome(error))
        message = f"{source.kind}:{source.handle}: {line}"
        retry_after = error.retry_after if isinstance(error, FetchError) else None
        next_poll = next_poll_after_failure(now, self.settings.poll_seconds, source.consecutive_errors + 1, retry_after)
        disabled = False
        try:
            errors = await asyncio.to_thread(
                source_store.record_failure, self.db, source.id, now=now, error=line, kind=kind, next_poll_at=next_poll
            )
            disabled = await asyncio.to_thread(
                source_store.disable_if_failing_since, self.db, source.id, now - DISABLE_AFTER
            )
        except Exception as store_error:  # the database too; the scheduler still backs off
            errors = source.consecutive_errors + 1
            log.error("cannot record the failure of source %s: %s", source.id, store_error)
        log.warning("refresh failed [%s]: %s", kind, message, extra={"source_id": source.id, "errors": errors})
        log.debug("refresh failure detail", exc_info=error, extra={"source_id": source.id})
        if disabled:
            log.warning(
                "source switched off after failing for %d hours: %s (/watch enable %s brings it back)",
                DISABLE_AFTER.total_seconds() // 3600,
                message,
                account.id,
                extra={"source_id": source.id},
            )
        return RefreshResult(source.id, account.id, source.url, error=message, disabled=disabled)

    def _resolve(self, source: SourceState) -> tuple[str, str]:
        resolved = resolve_source(_spec(source), self.settings)
        if source.url and resolved.fmt == FORMAT_FEED and source.url != resolved.url and source.kind == "rss":
            return source.url, resolved.fmt  # a feed discovered earlier from the page URL
        return resolved.url, resolved.fmt

    async def _parse(self, fetched: FetchResult, fmt: str) -> tuple[FetchResult, list[FeedEntry]]:
        """Parse off the event loop (`cpu_stages`); a web page that links its feed is followed once (discovery)."""
        try:
            return fetched, await self.cpu.run(parse_document, fetched.body, fetched.content_type, fetched.url, fmt)
        except ParseError:
            links = await asyncio.to_thread(find_feed_links, fetched.body, fetched.url) if fmt == FORMAT_FEED else []
            if not links:
                raise
        discovered = await self.fetcher.fetch(links[0])
        entries = await self.cpu.run(
            parse_document, discovered.body, discovered.content_type, discovered.url, FORMAT_FEED
        )
        return discovered, entries

    # --- scheduling helpers ---------------------------------------------------------

    def due_sources(self, now: datetime) -> list[tuple[int, datetime]]:
        """Every enabled source the settings can read, with when it is next due (now when it
        never ran). Unconfigured ones (X without a bridge) are not fetched at all: their
        advice is given once, not as a failure per source and poll."""
        schedule = source_store.source_schedule(self.db, unconfigured_kinds(self.settings))
        return [(sid, when or now) for sid, when in schedule]

    async def poll_all(self) -> list[RefreshResult]:
        """Refresh every readable source once, concurrently (the fetcher bounds concurrency)."""
        schedule = await asyncio.to_thread(source_store.source_schedule, self.db, unconfigured_kinds(self.settings))
        return await self.refresh_many([source_id for source_id, _ in schedule])

    async def refresh_many(self, source_ids: Sequence[int]) -> list[RefreshResult]:
        """Several sources at once, each isolated: one that raises is a failed result, not a crash.

        One pass: the alert recipients are loaded once for all of them.
        """
        if not source_ids:
            return []
        audiences = await asyncio.to_thread(chat_store.audiences, self.db)
        batch = await SourcePass.read(self.db, source_ids)
        self.cpu.start_for(len(source_ids))
        gate = asyncio.Semaphore(REFRESHES_AT_ONCE)

        async def one(source_id: int) -> RefreshResult:
            async with gate:
                return await self.refresh(source_id, audiences, batch)

        try:
            outcomes = await asyncio.gather(*(one(sid) for sid in source_ids), return_exceptions=True)
        finally:
            await batch.flush()
        return [
            batch.checked(outcome)
            if isinstance(outcome, RefreshResult)
            else RefreshResult(sid, "?", None, error=f"refresh aborted: {type(outcome).__name__}: {outcome}")
            for sid, outcome in zip(source_ids, outcomes, strict=True)
        ]

    async def refresh_leased(self, source_ids: Sequence[int]) -> list[RefreshResult]:
        """Refresh those of `source_ids` this process can lease (due, and no other process
        polling them), then give the leases back: the bot's poll jobs go through this."""
        now = datetime.now(UTC)
        leased = [
            source_id
            for source_id in source_ids
            if await asyncio.to_thread(source_store.claim_source, self.db, source_id, self.owner, now, LEASE)
        ]
        return await self._refresh_then_release(leased)

    async def refresh_due(self, limit: int) -> list[RefreshResult]:
        """Lease up to `limit` due sources and refresh them: one turn of `ladderwatch worker`."""
        leased = await asyncio.to_thread(
            source_store.claim_due_sources,
            self.db,
            self.owner,
            datetime.now(UTC),
            LEASE,
            limit,
            unconfigured_kinds(self.settings),
        )
        return await self._refresh_then_release(leased)

    async def _refresh_then_release(self, source_ids: list[int]) -> list[RefreshResult]:
        try:
            return await self.refresh_many(source_ids)
        finally:
            await asyncio.to_thread(source_store.release_sources, self.db, source_ids, self.owner)

    async def retry_translations(self) -> int:
        """Try again the statements stored untranslated; returns how many now have English.

        Each statement is isolated: one that raises counts as a failed attempt (so it is
        given up after the usual number) and the others are still tried.
        """
        done = 0
        for row in await asyncio.to_thread(statement_store.pending_translations, self.db):
            try:
                done += await self._retry_translation(row)
            except Exception as error:
                log.warning("translation retry of statement %s failed: %s: %s", row.id, type(error).__name__, error)
                await asyncio.to_thread(statement_store.record_translation_retry, self.db, row.id, None, None)
        return done

    async def _retry_translation(self, row: StoredStatement) -> int:
        text = classification_text(row.title, row.text)
        translation = await self.translator.translate(text, row.lang, "en")
        verdict = (
            await asyncio.to_thread(lambda: self.classifier.classify(text, row.lang, translation.text))
            if translation.text
            else None
        )
        await asyncio.to_thread(statement_store.record_translation_retry, self.db, row.id, translation.text, verdict)
        if verdict is None:
            return 0
        await asyncio.to_thread(queue_alerts, self.db, [row.id], datetime.now(UTC))
        return 1

    def _next_poll(self, now: datetime) -> datetime:
        return with_jitter(next_poll_after_success(now, self.settings.poll_seconds), self.settings.poll_seconds)

    def _write_success(
        self,
        source: SourceState,
        fetched: FetchResult,
        now: datetime,
        new_ids: list[int],
        newest: datetime | None,
        body_hash: str | None = None,
    ) -> None:
        source_store.record_success(
            self.db,
            source.id,
            now=now,
            url=fetched.url,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            next_poll_at=self._next_poll(now),
            newest_item_at=newest,
            new_items=len(new_ids),
            body_hash=body_hash,
        )


def _spec(source: SourceState) -> SourceSpec:
    return SourceSpec(SourceKind(source.kind), source.handle)


def load_configured_watchlist(settings: Settings, db: Database) -> str | None:
    """Seed the database from watchlist.yaml; on an invalid file keep the last good one."""
    try:
        accounts = load_watchlist(settings.watchlist_path)
    except WatchlistError as error:
        watched = account_store.list_accounts(db)
        kept = "keeping the last good one" if watched else "nothing is watched until it is fixed"
        log.error("watchlist rejected, %s: %s", kept, error)
        return str(error)
    try:
        account_store.sync_watchlist(db, accounts)
    except IntegrityError:  # another process (the bot, a worker) synced the same file at the same moment
        account_store.sync_watchlist(db, accounts)
    return None
