"""The pipeline, one call per stage: `refresh_source` reads like DESIGN.md's data flow.

sources → fetch → parse → dedupe → language → translate → classify → store → alerts.
Every failure is written to the source's row (and retried on a back-off schedule); a
failed translation stores the statement untranslated, classified on the original, and
`retry_translations` tries again later.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from bot import metrics
from bot.alerts import queue_alerts
from bot.classify import Classifier
from bot.dedupe import to_statement
from bot.language import detect_language
from bot.model import (
    AnalysedStatement,
    FeedEntry,
    SourceKind,
    SourceSpec,
    Statement,
    Translation,
    Verdict,
)
from bot.reader.discovery import find_feed_links
from bot.reader.fetcher import Fetcher, FetchError, FetchResult
from bot.reader.parser import FORMAT_FEED, ParseError, parse_document
from bot.reader.social import mark_reposts
from bot.reader.sources import SourceResolutionError, resolve_source
from bot.settings import Settings
from bot.storage import accounts as account_store
from bot.storage import sources as source_store
from bot.storage import statements as statement_store
from bot.storage.db import Database, open_database
from bot.storage.tables import AccountRow, SourceRow
from bot.translate import TranslationService
from bot.watchlist import WatchlistError, load_watchlist

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class RefreshResult:
    source_id: int
    account_id: str
    url: str | None
    new_ids: list[int] = field(default_factory=list)
    error: str | None = None


def next_poll_after_success(now: datetime, poll_seconds: int) -> datetime:
    """The configured interval, not the server's cache hints: subscribers were promised it."""
    return now + timedelta(seconds=poll_seconds)


def next_poll_after_failure(now: datetime, poll_seconds: int, errors: int, retry_after: float | None) -> datetime:
    """Exponential back-off per consecutive error, at least what Retry-After asked, at most 6 h."""
    backoff = timedelta(seconds=poll_seconds * 2 ** max(errors - 1, 0))
    if retry_after is not None:
        backoff = max(backoff, timedelta(seconds=retry_after))
    return now + min(backoff, MAX_BACKOFF)


def with_jitter(when: datetime, poll_seconds: int) -> datetime:
    """Spread polls so sources sharing a host do not all fire in the same second (≤ 5 s)."""
    return when + timedelta(seconds=random.uniform(0, min(5.0, poll_seconds * 0.05)))


def needs_translation(lang: str) -> bool:
    return lang not in ("en", "und")


async def translate_and_classify(
    translator: TranslationService | None, classifier: Classifier, text: str, lang: str
) -> tuple[Translation, Verdict]:
    """English first when a translator is given (richest lexicon), the original always."""
    if translator is None or not needs_translation(lang):
        translation = Translation(None, lang, "en", "identity" if lang == "en" else None)
    else:
        translation = await translator.translate(text, lang, "en")
    return translation, classifier.classify(text, lang, translation.text)


def classification_text(title: str, text: str) -> str:
    """What is translated and classified: the headline (when it adds words) and the text."""
    return f"{title}\n{text}" if title else text


class Pipeline:
    """Holds the long-lived pieces (database, HTTP client, translator, classifier)."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        fetcher: Fetcher,
        translator: TranslationService,
        classifier: Classifier,
    ) -> None:
        self.settings, self.db, self.fetcher = settings, db, fetcher
        self.translator, self.classifier = translator, classifier

    @classmethod
    async def open(cls, settings: Settings) -> Pipeline:
        db = await asyncio.to_thread(open_database, settings.database_url)
        await asyncio.to_thread(load_configured_watchlist, settings, db)
        classifier = await asyncio.to_thread(Classifier.load)
        return cls(
            settings,
            db,
            Fetcher(allow_private=settings.allow_private_urls),
            TranslationService(settings, db),
            classifier,
        )

    async def close(self) -> None:
        await self.fetcher.aclose()
        self.db.close()

    # --- the stages, in order -------------------------------------------------------

    async def refresh_source(self, source_id: int) -> list[int]:
        """Fetch one source and take its new statements through every stage; new ids."""
        return (await self.refresh(source_id)).new_ids

    async def refresh(self, source_id: int) -> RefreshResult:
        now = datetime.now(UTC)
        found = await asyncio.to_thread(source_store.get_source_account, self.db, source_id)
        if found is None:
            return RefreshResult(source_id, "?", None, error="source no longer exists")
        source, account = found
        try:
            url, fmt = self._resolve(source)
            fetched = await self.fetcher.fetch(url, etag=source.etag, last_modified=source.last_modified)
            if fetched.status == 304:
                metrics.count_fetch(metrics.NOT_MODIFIED)
                await self._record_success(source, fetched, now, [], None)
                return RefreshResult(source_id, account.id, fetched.url)
            fetched, entries = await self._parse(fetched, fmt)
            metrics.count_fetch(metrics.OK)
            entries = mark_reposts(entries, _spec(source))
            statements = [to_statement(account.id, source.id, entry, now) for entry in entries]
            analysed = await self.analyse_new(account, statements)
            new_ids = await asyncio.to_thread(statement_store.save_new_statements, self.db, analysed, now)
            await asyncio.to_thread(queue_alerts, self.db, new_ids, now)  # a first fetch's backlog is skipped there
        except (SourceResolutionError, FetchError, ParseError) as error:
            metrics.count_fetch(metrics.fetch_failure_outcome(error))
            message = f"{source.kind}:{source.handle}: {error}"
            retry_after = getattr(error, "retry_after", None)
            errors = await asyncio.to_thread(
                source_store.record_failure,
                self.db,
                source.id,
                now=now,
                error=str(error),
                next_poll_at=next_poll_after_failure(
                    now, self.settings.poll_seconds, source.consecutive_errors + 1, retry_after
                ),
            )
            log.warning("fetch failed: %s", message, extra={"source_id": source.id, "errors": errors})
            return RefreshResult(source_id, account.id, source.url, error=message)
        newest = max((s.published for s in statements if not s.published_estimated), default=None)
        await self._record_success(source, fetched, now, new_ids, newest)
        if new_ids:
            log.info("%d new statements", len(new_ids), extra={"source_id": source.id})
        return RefreshResult(source_id, account.id, fetched.url, new_ids)

    def _resolve(self, source: SourceRow) -> tuple[str, str]:
        resolved = resolve_source(_spec(source), self.settings)
        if source.url and resolved.fmt == FORMAT_FEED and source.url != resolved.url and source.kind == "rss":
            return source.url, resolved.fmt  # a feed discovered earlier from the page URL
        return resolved.url, resolved.fmt

    async def _parse(self, fetched: FetchResult, fmt: str) -> tuple[FetchResult, list[FeedEntry]]:
        """Parse in a thread; a web page that links its feed is followed once (discovery)."""
        try:
            return fetched, await asyncio.to_thread(
                parse_document, fetched.body, fetched.content_type, fetched.url, fmt
            )
        except ParseError:
            links = find_feed_links(fetched.body, fetched.url) if fmt == FORMAT_FEED else []
            if not links:
                raise
        discovered = await self.fetcher.fetch(links[0])
        entries = await asyncio.to_thread(
            parse_document, discovered.body, discovered.content_type, discovered.url, FORMAT_FEED
        )
        return discovered, entries

    async def analyse_new(self, account: AccountRow, statements: Sequence[Statement]) -> list[AnalysedStatement]:
        """Language → translation → classification, for the statements not stored yet."""
        fresh_keys = await asyncio.to_thread(
            statement_store.unseen, self.db, [(s.key, s.account_id, s.content_hash) for s in statements]
        )
        hints = tuple(account.languages or ())
        analysed = []
        for statement in statements:
            if statement.key not in fresh_keys:
                continue
            text = classification_text(statement.title, statement.text)
            lang = await asyncio.to_thread(detect_language, text, hints)
            analysed.append(await self.analyse(replace(statement, lang=lang), text))
        return analysed

    async def analyse(self, statement: Statement, text: str) -> AnalysedStatement:
        translation, verdict = await translate_and_classify(self.translator, self.classifier, text, statement.lang)
        metrics.count_statement(verdict, statement.lang)
        failed = translation.text is None and "none" not in self.settings.translators
        return AnalysedStatement(statement, translation.text, failed and needs_translation(statement.lang), verdict)

    # --- scheduling helpers ---------------------------------------------------------

    def due_sources(self, now: datetime) -> list[tuple[int, datetime]]:
        """Every enabled source with when it is next due (now when it never ran)."""
        return [(sid, when or now) for sid, when in source_store.source_schedule(self.db)]

    async def poll_all(self) -> list[RefreshResult]:
        """Refresh every source once, concurrently (the fetcher bounds concurrency)."""
        schedule = await asyncio.to_thread(source_store.source_schedule, self.db)
        return list(await asyncio.gather(*(self.refresh(source_id) for source_id, _ in schedule)))

    async def retry_translations(self) -> int:
        """Try again the statements stored untranslated; returns how many now have English."""
        done = 0
        for row in await asyncio.to_thread(statement_store.pending_translations, self.db):
            text = classification_text(row.title, row.text)
            translation = await self.translator.translate(text, row.lang, "en")
            verdict = self.classifier.classify(text, row.lang, translation.text) if translation.text else None
            await asyncio.to_thread(
                statement_store.record_translation_retry, self.db, row.id, translation.text, verdict
            )
            if verdict is not None:
                done += 1
                await asyncio.to_thread(queue_alerts, self.db, [row.id], datetime.now(UTC))
        return done

    async def _record_success(
        self,
        source: SourceRow,
        fetched: FetchResult,
        now: datetime,
        new_ids: list[int],
        newest: datetime | None,
    ) -> None:
        next_poll = with_jitter(
            next_poll_after_success(now, self.settings.poll_seconds), self.settings.poll_seconds
        )
        await asyncio.to_thread(
            source_store.record_success,
            self.db,
            source.id,
            now=now,
            url=fetched.url,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            next_poll_at=next_poll,
            newest_item_at=newest,
            new_items=len(new_ids),
        )


def _spec(source: SourceRow) -> SourceSpec:
    return SourceSpec(SourceKind(source.kind), source.handle)


def load_configured_watchlist(settings: Settings, db: Database) -> str | None:
    """Seed the database from watchlist.yaml; on an invalid file keep the last good one."""
    try:
        accounts = load_watchlist(settings.watchlist_path)
    except WatchlistError as error:
        log.error("watchlist rejected, keeping the last good one: %s", error)
        return str(error)
    account_store.sync_watchlist(db, accounts)
    return None
