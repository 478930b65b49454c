"""Prometheus metrics: every metric object in one place, plus the state read at scrape time.

Counters and the latency histogram are process-wide and incremented with one line where the
event happens (the pipeline's fetch outcome and classification, the translator's provider
calls, delivery). Gauges describe the database (outbox length, its oldest pending alert,
sources by state) and are computed when `/metrics` is scraped, so they are right even when
another process (a worker) did the work.

The metrics live in their own registry (with the process and platform collectors) so tests
and embedding code never collide with a library's use of the default registry.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import prometheus_client
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.model import Verdict
from bot.reader.parser import ParseError
from bot.reader.sources import SourceResolutionError

if TYPE_CHECKING:
    from telegram.error import TelegramError

prometheus_client.disable_created_metrics()  # no `_created` twin of every counter

CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST
REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

# Fetch outcomes, as the pipeline sees them.
OK, NOT_MODIFIED, UNRESOLVABLE = "ok", "not_modified", "unresolvable"
FETCH_ERROR, PARSE_ERROR = "fetch_error", "parse_error"
FETCH_OUTCOMES = (OK, NOT_MODIFIED, UNRESOLVABLE, FETCH_ERROR, PARSE_ERROR)
ABSTAINED = "abstained"

FETCHES = Counter(
    "ladderwatch_fetches",
    "Source fetches by outcome: ok, not_modified (304), unresolvable (e.g. an X source without "
    "LADDERWATCH_X_BRIDGE), fetch_error, parse_error",
    ["outcome"],
    registry=REGISTRY,
)
STATEMENTS = Counter(
    "ladderwatch_statements",
    "New statements classified, by label (abstained when the engine could not read the text) and language",
    ["label", "lang"],
    registry=REGISTRY,
)
TRANSLATIONS = Counter(
    "ladderwatch_translations",
    "Translation requests sent to a provider (cache hits are not counted), by provider",
    ["provider"],
    registry=REGISTRY,
)
TRANSLATION_FAILURES = Counter(
    "ladderwatch_translation_failures",
    "Translation requests a provider did not answer usefully, by provider",
    ["provider"],
    registry=REGISTRY,
)
TELEGRAM_ERRORS = Counter(
    "ladderwatch_telegram_errors",
    "Errors from the Telegram Bot API by kind: retry_after, forbidden, bad_request, chat_migrated, "
    "timed_out, network, other",
    ["kind"],
    registry=REGISTRY,
)
ALERTS_SENT = Counter("ladderwatch_alerts_sent", "Alerts Telegram accepted (every part sent)", registry=REGISTRY)
DELIVERY_LATENCY = Histogram(
    "ladderwatch_delivery_latency_seconds",
    "Seconds from a statement's first fetch to Telegram accepting its alert",
    buckets=(1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600),
    registry=REGISTRY,
)

for _outcome in FETCH_OUTCOMES:  # every outcome shows from the first scrape, at 0
    FETCHES.labels(_outcome)


def count_fetch(outcome: str) -> None:
    FETCHES.labels(outcome).inc()


def fetch_failure_outcome(error: Exception) -> str:
    """The outcome word for a failed refresh, by the stage that failed."""
    if isinstance(error, SourceResolutionError):
        return UNRESOLVABLE
    return PARSE_ERROR if isinstance(error, ParseError) else FETCH_ERROR


def count_statement(verdict: Verdict, lang: str) -> None:
    label = ABSTAINED if verdict.abstained else verdict.label.value
    STATEMENTS.labels(label, (lang or "und").split("-")[0].lower()).inc()


def telegram_error_kind(error: TelegramError) -> str:
    """One word per kind of Bot API failure (subclasses first: BadRequest is a NetworkError).

    python-telegram-bot is imported here, by the process that talks to Telegram, not by
    `poll` and the workers, which never do (a tenth of a second at each start)."""
    from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

    for kind, cls in (
        ("retry_after", RetryAfter),
        ("forbidden", Forbidden),
        ("chat_migrated", ChatMigrated),
        ("bad_request", BadRequest),
        ("timed_out", TimedOut),
        ("network", NetworkError),
    ):
        if isinstance(error, cls):
            return kind
    return "other"


def count_telegram_error(error: TelegramError) -> None:
    TELEGRAM_ERRORS.labels(telegram_error_kind(error)).inc()


def observe_alert_sent(first_seen: datetime | None, now: datetime | None = None) -> None:
    """One alert accepted; its latency when the statement's first fetch time is known."""
    ALERTS_SENT.inc()
    if first_seen is not None:
        DELIVERY_LATENCY.observe(max(((now or datetime.now(UTC)) - first_seen).total_seconds(), 0.0))


@dataclass(frozen=True)
class SourceSample:
    source_id: int
    account: str
    kind: str
    consecutive_errors: int
    last_success_at: datetime | None


@dataclass(frozen=True)
class StateSnapshot:
    """What the database says at scrape time (built by `bot.health.state_snapshot`)."""

    now: datetime
    outbox: dict[str, int]
    oldest_pending: datetime | None
    chats: dict[str, int]
    sources_by_state: dict[str, int]
    sources: tuple[SourceSample, ...]


class StateCollector(Collector):
    """Gauges from one database snapshot (a fresh collector per scrape)."""

    def __init__(self, snapshot: StateSnapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snap = self.snapshot
        yield _by_label("ladderwatch_outbox_alerts", "Alerts in the outbox by status", "status", snap.outbox)
        age = 0.0 if snap.oldest_pending is None else (snap.now - snap.oldest_pending).total_seconds()
        yield GaugeMetricFamily(
            "ladderwatch_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending alert in the outbox (0 when none is pending)",
            value=max(age, 0.0),
        )
        yield _by_label("ladderwatch_chats", "Chats by state (active, inactive)", "state", snap.chats)
        yield _by_label(
            "ladderwatch_sources",
            "Watched sources by state (ok, failing, stale, empty, pending, unconfigured, disabled)",
            "state",
            snap.sources_by_state,
        )
        labels = ["source_id", "account", "kind"]
        errors = GaugeMetricFamily(
            "ladderwatch_source_consecutive_errors", "Failed polls in a row, per source", labels=labels
        )
        success = GaugeMetricFamily(
            "ladderwatch_source_last_success_timestamp_seconds",
            "Unix time of a source's last successful poll (absent when it never answered)",
            labels=labels,
        )
        for source in snap.sources:
            values = [str(source.source_id), source.account, source.kind]
            errors.add_metric(values, source.consecutive_errors)
            if source.last_success_at is not None:
                success.add_metric(values, source.last_success_at.timestamp())
        yield errors
        yield success


def _by_label(name: str, help_text: str, label: str, counts: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, help_text, labels=[label])
    for value, count in sorted(counts.items()):
        family.add_metric([value], count)
    return family


def exposition(snapshot: StateSnapshot) -> bytes:
    """The text of `/metrics`: process-wide counters and histogram, then the database gauges."""
    scrape = CollectorRegistry()
    scrape.register(StateCollector(snapshot))
    return generate_latest(REGISTRY) + generate_latest(scrape)
