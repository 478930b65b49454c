"""All SQL about the alert outbox: one row per (chat, statement), sent at most once.

The delivery worker takes due rows oldest first and records each sent part in its own
short transaction (`mark_part_sent`), so a restart resumes after the last recorded part.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import bindparam, delete, func, or_, select, true, update
from sqlalchemy.orm import Session

from bot.model import Cue
from bot.storage.db import Database, insert_new
from bot.storage.tables import AccountRow, ChatRow, OutboxRow, SourceRow, StatementRow, TranslationRow

PENDING, SENT, FAILED = "pending", "sent", "failed"
CLAIM = timedelta(minutes=2)  # a delivery pass holds its batch this long at most (a crashed bot's claim expires)


@dataclass(frozen=True)
class AlertCandidate:
    """What alert selection needs to know about a new statement."""

    id: int
    account_id: str
    country: str
    lang: str
    label: str
    score: float
    published_at: datetime
    arrived_at: datetime  # when we first fetched it: what "new since the subscription" means
    is_repost: bool
    backlog: bool = False
    text: str = ""  # what keyword filters read: the text, its title and English translation
    title: str = ""
    translation_en: str | None = None


@dataclass(frozen=True)
class AlertContent:
    """Everything an alert message shows (the statement, its account and verdict)."""

    statement_id: int
    account_name: str
    account_role: str
    text: str
    title: str
    url: str | None
    lang: str
    published_at: datetime
    published_estimated: bool
    is_repost: bool
    label: str
    score: float
    mixed: bool
    cues: tuple[Cue, ...]  # weight: positive = escalation
    translation_en: str | None
    abstained: bool = False
    first_seen_at: datetime | None = None  # the statement's first fetch (delivery latency)
    translation_provider: str | None = None  # who made `translation_en` (from the translation cache)
    source_kind: str = ""  # rss, x, bluesky, mastodon, telegram ("" when the source is gone)
    source_where: str = ""  # the feed's host, or the account's handle on that network


@dataclass(frozen=True)
class OutboxItem:
    id: int
    chat_id: int
    statement_id: int
    attempts: int
    sent_parts: int


def alert_candidates(db: Database, statement_ids: Sequence[int]) -> list[AlertCandidate]:
    """The statements with their account's country, and whether each is a source's backlog.

    Backlog: found by a source's first successful fetch (its `last_success_at` is still
    empty while alerts are queued) and either undated or dated before the account was
    loaded or added. What a first fetch finds that is dated later is new and alerted.
    """
    with db.session() as session:
        rows = session.execute(
            select(
                StatementRow.id,
                StatementRow.account_id,
                AccountRow.country,
                StatementRow.lang,
                StatementRow.label,
                StatementRow.score,
                StatementRow.published_at,
                StatementRow.fetched_at,
                StatementRow.is_repost,
                StatementRow.source_id,
                StatementRow.published_estimated,
                AccountRow.updated_at,
                SourceRow.last_success_at,
                StatementRow.text,
                StatementRow.title,
                StatementRow.translation_en,
            )
            .join(AccountRow, AccountRow.id == StatementRow.account_id)
            .outerjoin(SourceRow, SourceRow.id == StatementRow.source_id)
            .where(StatementRow.id.in_(list(statement_ids)))
            .order_by(StatementRow.published_at, StatementRow.id)
        )
        return [
            AlertCandidate(
                row.id,
                row.account_id,
                row.country or "",
                row.lang,
                row.label,
                row.score,
                row.published_at,
                row.fetched_at,
                row.is_repost,
                backlog=row.source_id is not None
                and row.last_success_at is None
                and (row.published_estimated or row.published_at < row.updated_at),
                text=row.text,
                title=row.title,
                translation_en=row.translation_en,
            )
            for row in rows
        ]


def add_alerts(db: Database, pairs: Sequence[tuple[int, int]], now: datetime) -> int:
    """Queue (chat_id, statement_id) pairs in order; pairs already queued stay as they are."""
    rows: list[dict[str, object]] = [
        {
            "chat_id": chat_id,
            "statement_id": statement_id,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "sent_parts": 0,
            "created_at": now,
        }
        for chat_id, statement_id in pairs
    ]
    if not rows:
        return 0
    with db.session() as session:
        return len(insert_new(session, OutboxRow, rows, (OutboxRow.id,)))


def due_alerts(
    db: Database, now: datetime, limit: int, claim: timedelta = CLAIM, exclude_chats: Collection[int] = ()
) -> list[OutboxItem]:
    """Pending alerts of active, unmuted chats whose time has come, oldest first, claimed
    for this delivery pass until `now + claim` (`FOR UPDATE SKIP LOCKED` on PostgreSQL, and
    a conditional UPDATE everywhere, so no two passes ever hold the same alert).

    `exclude_chats`: chats whose alerts the pass already holds (their order is kept)."""
    claimable = or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now)
    held = OutboxRow.chat_id.not_in(list(exclude_chats)) if exclude_chats else true()
    with db.session() as session:
        ids = list(
            session.scalars(
                select(OutboxRow.id)
                .join(ChatRow, ChatRow.id == OutboxRow.chat_id)
                .where(
                    OutboxRow.status == PENDING,
                    OutboxRow.next_attempt_at <= now,
                    claimable,
                    ChatRow.active,
                    ChatRow.muted.is_(False),
                    held,
                )
                .order_by(OutboxRow.id)
                .limit(limit)
                .with_for_update(of=OutboxRow, skip_locked=True)
            )
        )
        if not ids:
            return []
        rows = session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids), claimable)
            .values(claimed_until=now + claim)
            .returning(
                OutboxRow.id, OutboxRow.chat_id, OutboxRow.statement_id, OutboxRow.attempts, OutboxRow.sent_parts
            )
        )
        return sorted((OutboxItem(*row) for row in rows), key=lambda item: item.id)


def release_claims(db: Database, outbox_ids: Sequence[int] | None) -> None:
    """Free claimed alerts: those a pass did not get to (flood control paused it), or with
    None every claim (a starting bot is the only sender: its dead predecessor's claims go)."""
    if outbox_ids is not None and not outbox_ids:
        return
    statement = update(OutboxRow).where(OutboxRow.claimed_until.is_not(None))
    if outbox_ids is not None:
        statement = statement.where(OutboxRow.id.in_(list(outbox_ids)))
    with db.session() as session:
        session.execute(statement.values(claimed_until=None))


def _translation_provider(session: Session, row: StatementRow) -> str | None:
    """The provider the cache remembers for the statement's English (text, or title and text)."""
    if not row.translation_en:
        return None
    for translated in (row.text, f"{row.title}\n{row.text}"):
        key = (hashlib.sha256(translated.encode("utf-8")).hexdigest(), row.lang.lower(), "en")
        cached = session.get(TranslationRow, key)
        if cached is not None:
            return cached.provider
    return None


def _where(source: SourceRow | None) -> str:
    if source is None:
        return ""
    if source.kind == "rss":
        return urlsplit(source.url or source.handle).hostname or ""
    if source.kind in ("x", "telegram") and not source.handle.startswith("@"):
        return f"@{source.handle}"
    return source.handle


def alert_content(db: Database, statement_id: int) -> AlertContent | None:
    with db.session() as session:
        found = session.execute(
            select(StatementRow, AccountRow, SourceRow)
            .join(AccountRow, AccountRow.id == StatementRow.account_id)
            .outerjoin(SourceRow, SourceRow.id == StatementRow.source_id)
            .where(StatementRow.id == statement_id)
        ).first()
        if found is None:
            return None
        row, account, source = found
        return AlertContent(
            statement_id=row.id,
            account_name=account.name,
            account_role=account.role,
            text=row.text,
            title=row.title,
            url=row.url,
            lang=row.lang,
            published_at=row.published_at,
            published_estimated=row.published_estimated,
            is_repost=row.is_repost,
            label=row.label,
            score=row.score,
            mixed=row.mixed,
            cues=tuple(Cue(**cue) for cue in row.cues or () if cue.get("text")),  # type: ignore[arg-type]
            translation_en=row.translation_en,
            abstained=row.abstained,
            first_seen_at=row.fetched_at,
            translation_provider=_translation_provider(session, row),
            source_kind=source.kind if source is not None else "",
            source_where=_where(source),
        )


# Built once (their cache keys with them): a fan-out records thousands of parts in a row.
_PART_SENT = (
    update(OutboxRow)
    .where(OutboxRow.id == bindparam("outbox_id"))
    .values(sent_parts=bindparam("parts_sent"), last_error=None)
)
_LAST_PART_SENT = _PART_SENT.values(status=SENT, sent_at=bindparam("now"))


def mark_part_sent(db: Database, outbox_id: int, parts_sent: int, done: bool, now: datetime) -> None:
    """Record one delivered part; the last part also marks the alert sent. One Core statement
    in its own transaction, no ORM session: the ORM's bulk-update path and session set-up
    were a fifth of a fan-out's CPU."""
    statement, values = (_LAST_PART_SENT, {"now": now}) if done else (_PART_SENT, {})
    with db.engine.begin() as connection:
        connection.execute(statement, {"outbox_id": outbox_id, "parts_sent": parts_sent, **values})


def schedule_retry(db: Database, outbox_id: int, when: datetime, error: str, count_attempt: bool = True) -> None:
    values: dict[str, object] = {"next_attempt_at": when, "last_error": error[:2000], "claimed_until": None}
    if count_attempt:
        values["attempts"] = OutboxRow.attempts + 1
    with db.session() as session:
        session.execute(update(OutboxRow).where(OutboxRow.id == outbox_id).values(**values))


def mark_failed(db: Database, outbox_id: int, error: str) -> None:
    with db.session() as session:
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(status=FAILED, attempts=OutboxRow.attempts + 1, last_error=error[:2000])
        )


def prune(db: Database, before: datetime) -> int:
    """Forget finished alerts created before `before` (the unique pair is no longer needed:
    a statement that old is never queued again because statements are stored once)."""
    with db.session() as session:
        result = session.execute(delete(OutboxRow).where(OutboxRow.status != PENDING, OutboxRow.created_at < before))
        return int(result.rowcount or 0)


def count_by_status(db: Database) -> dict[str, int]:
    with db.session() as session:
        rows = session.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))
        counts = {PENDING: 0, SENT: 0, FAILED: 0}
        counts.update({status: count for status, count in rows})
        return counts


def oldest_pending_at(db: Database) -> datetime | None:
    """When the oldest alert still waiting was queued (for the outbox-age gauge)."""
    with db.session() as session:
        return session.scalar(select(func.min(OutboxRow.created_at)).where(OutboxRow.status == PENDING))
