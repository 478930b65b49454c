"""All SQL about chats and their settings; callers get frozen dataclasses, never rows.

What a chat follows is in `subscriptions.py`; this module reads it to find alert
recipients, digest chats and the accounts a digest covers.

Functions are synchronous (one short transaction each); the Telegram layer calls them
through `asyncio.to_thread` so the event loop never waits on the database.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.storage.db import Database
from bot.storage.subscriptions import ACCOUNT, ALL, COUNTRY, Subscription, follows, load_subscriptions
from bot.storage.tables import AccountRow, ChatRow, OutboxRow, StatementRow, SubscriptionRow

DIGEST_OFF = "off"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatSettings:
    id: int
    type: str
    title: str
    language: str
    timezone: str
    digest_time: str
    muted: bool
    active: bool
    send_failures: int
    labels: frozenset[str]
    min_strength: float
    accounts: frozenset[str]
    languages: frozenset[str]
    subscribed_at: datetime | None
    last_digest_on: str | None
    thread_id: int | None = None  # forum topic that gets alerts and digests
    silent: bool = False  # alerts and digests arrive without a sound
    keywords_include: tuple[str, ...] = ()
    keywords_exclude: tuple[str, ...] = ()
    manages_chat_id: int | None = None  # a private chat setting up a channel

    @property
    def is_group(self) -> bool:
        return self.type in {"group", "supergroup"}

    @property
    def is_channel(self) -> bool:
        return self.type == "channel"


@dataclass(frozen=True)
class ChatAudience:
    """A chat that may receive alerts, with everything alert selection needs."""

    chat: ChatSettings
    subscriptions: tuple[Subscription, ...]


@functools.lru_cache(maxsize=512)
def usable_zone(name: str) -> str:
    """`name` when this system knows the zone, else UTC (logged): a zone stored by an older
    tzdata or an edited database must not stop a chat's digests and alerts."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("time zone %r is unknown here; using UTC for it", name[:64])
        return "UTC"
    return name


def _settings(row: ChatRow) -> ChatSettings:
    return ChatSettings(
        id=row.id,
        type=row.type,
        title=row.title,
        language=row.language,
        timezone=usable_zone(row.timezone),
        digest_time=row.digest_time,
        muted=row.muted,
        active=row.active,
        send_failures=row.send_failures,
        labels=frozenset(row.filter_labels or ()),
        min_strength=row.filter_min_strength or 0.0,
        accounts=frozenset(row.filter_accounts or ()),
        languages=frozenset(row.filter_languages or ()),
        subscribed_at=row.subscribed_at,
        last_digest_on=row.last_digest_on,
        thread_id=row.thread_id,
        silent=bool(row.silent),
        keywords_include=tuple(row.keywords_include or ()),
        keywords_exclude=tuple(row.keywords_exclude or ()),
        manages_chat_id=row.manages_chat_id,
    )


def _row(session: Session, chat_id: int) -> ChatRow:
    row = session.get(ChatRow, chat_id)
    if row is None:
        raise LookupError(f"chat {chat_id} is unknown; it must send /start first")
    return row


def ensure_chat(
    db: Database, chat_id: int, chat_type: str, title: str, language: str, now: datetime
) -> tuple[ChatSettings, bool]:
    """The chat's settings, creating the chat (in `language`) on first contact; True if new.

    A chat that had been deactivated (bot blocked, then unblocked) becomes active again.
    """
    with db.session() as session:
        row = session.get(ChatRow, chat_id)
        created = row is None
        if row is None:
            row = ChatRow(id=chat_id, type=chat_type, title=title[:300], language=language, created_at=now)
            session.add(row)
        else:
            row.type, row.title = chat_type, title[:300]
            if not row.active:
                row.active, row.send_failures = True, 0
        session.flush()
        return _settings(row), created


def get_chat(db: Database, chat_id: int) -> ChatSettings | None:
    with db.session() as session:
        row = session.get(ChatRow, chat_id)
        return None if row is None else _settings(row)


def get_chats(db: Database, chat_ids: Sequence[int]) -> dict[int, ChatSettings]:
    """Several chats' settings in one query (a delivery pass's batch); missing ones are absent."""
    with db.session() as session:
        rows = session.scalars(select(ChatRow).where(ChatRow.id.in_(list(chat_ids))))
        return {row.id: _settings(row) for row in rows}


CHANGEABLE = {
    "language": "language",
    "timezone": "timezone",
    "digest_time": "digest_time",
    "muted": "muted",
    "labels": "filter_labels",
    "min_strength": "filter_min_strength",
    "accounts": "filter_accounts",
    "languages": "filter_languages",
    "last_digest_on": "last_digest_on",
    "thread_id": "thread_id",
    "silent": "silent",
    "keywords_include": "keywords_include",
    "keywords_exclude": "keywords_exclude",
    "manages_chat_id": "manages_chat_id",
}


def update_chat(db: Database, chat_id: int, **changes: Any) -> ChatSettings:
    """Change settings named as in `ChatSettings` (sets become sorted lists in the row)."""
    with db.session() as session:
        row = _row(session, chat_id)
        for name, value in changes.items():
            if isinstance(value, frozenset | set):
                stored: Any = sorted(value)
            else:
                stored = list(value) if isinstance(value, tuple) else value
            setattr(row, CHANGEABLE[name], stored)
        session.flush()
        return _settings(row)


def set_muted(db: Database, chat_id: int, muted: bool, now: datetime) -> ChatSettings:
    """Muting also drops the chat's pending alerts, so unmuting never floods old news.

    Unmuting moves `subscribed_at` to now: statements published while muted stay quiet.
    """
    with db.session() as session:
        row = _row(session, chat_id)
        row.muted = muted
        if muted:
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.chat_id == chat_id, OutboxRow.status == "pending")
                .values(status="failed", last_error="chat muted")
            )
        else:
            row.subscribed_at = now
        session.flush()
        return _settings(row)


def audiences(db: Database) -> list[ChatAudience]:
    """Active, unmuted chats that follow something: the only possible alert recipients.

    Chats that manage a channel are not audiences by that link: the channel is its own chat.
    """
    with db.session() as session:
        rows = list(session.scalars(select(ChatRow).where(ChatRow.active, ChatRow.muted.is_(False))))
        subs = load_subscriptions(session, [row.id for row in rows])
        return [ChatAudience(_settings(row), tuple(subs[row.id])) for row in rows if row.id in subs]


def chat_account_ids(db: Database, chat_id: int) -> set[str] | None:
    """Account ids a chat's digest covers; None means every account.

    Subscriptions decide (all / accounts / countries), narrowed by the accounts filter;
    a chat that follows nothing yet sees everything, so /digest is never empty by mistake.
    """
    with db.session() as session:
        chat = _row(session, chat_id)
        subs = load_subscriptions(session, [chat_id]).get(chat_id, [])
        narrowed = set(chat.filter_accounts or ())
        if not subs or (any(s.kind == ALL for s in subs) and not any(s.is_exception for s in subs)):
            return narrowed or None
        accounts = session.execute(select(AccountRow.id, AccountRow.country))
        ids = {account_id for account_id, country in accounts if follows(subs, account_id, country or "")}
        return ids & narrowed if narrowed else ids


def digest_chats(db: Database) -> list[ChatSettings]:
    """Chats that get a daily digest: active, following something, digest not turned off."""
    with db.session() as session:
        followed = select(SubscriptionRow.chat_id).where(SubscriptionRow.target_kind.in_((ALL, ACCOUNT, COUNTRY)))
        rows = session.scalars(
            select(ChatRow).where(ChatRow.active, ChatRow.digest_time != DIGEST_OFF, ChatRow.id.in_(followed))
        )
        return [_settings(row) for row in rows]


def record_send_success(db: Database, chat_id: int) -> None:
    with db.session() as session:
        session.execute(
            update(ChatRow).where(ChatRow.id == chat_id, ChatRow.send_failures != 0).values(send_failures=0)
        )


def _deactivate(session: Session, row: ChatRow) -> None:
    row.active = False
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.chat_id == row.id, OutboxRow.status == "pending")
        .values(status="failed", last_error="chat deactivated: the bot was blocked or removed")
    )


def record_send_refused(db: Database, chat_id: int, limit: int) -> bool:
    """Count a Forbidden answer; after `limit` in a row the chat is deactivated (True)."""
    with db.session() as session:
        row = session.get(ChatRow, chat_id)
        if row is None:
            return True
        row.send_failures += 1
        if row.send_failures >= limit:
            _deactivate(session, row)
        return not row.active


def record_removed(db: Database, chat_id: int) -> None:
    """The bot was removed from the group or channel (or blocked): nothing more is sent there."""
    with db.session() as session:
        row = session.get(ChatRow, chat_id)
        if row is not None:
            _deactivate(session, row)


def seen_languages(db: Database) -> set[str]:
    """Primary language codes of the stored statements: what a language filter can choose from."""
    with db.session() as session:
        codes = session.scalars(select(StatementRow.lang).distinct())
        return {code.split("-")[0].lower() for code in codes if code and code != "und"}


def migrate_chat(db: Database, old_id: int, new_id: int) -> None:
    """Move a group that became a supergroup to its new id, with subscriptions and outbox.

    When the new id already exists (the supergroup talked to us first) the old chat's
    subscriptions and pending alerts are merged into it and the old chat removed.
    """
    with db.session() as session:
        old = session.get(ChatRow, old_id)
        if old is None:
            return
        if session.get(ChatRow, new_id) is None:
            # subscriptions and outbox follow through ON UPDATE CASCADE
            session.execute(update(ChatRow).where(ChatRow.id == old_id).values(id=new_id, type="supergroup"))
            return
        have_subs = {
            (s.target_kind, s.target)
            for s in session.scalars(select(SubscriptionRow).where(SubscriptionRow.chat_id == new_id))
        }
        for sub in session.scalars(select(SubscriptionRow).where(SubscriptionRow.chat_id == old_id)):
            if (sub.target_kind, sub.target) not in have_subs:
                sub.chat_id = new_id
        have_alerts = set(session.scalars(select(OutboxRow.statement_id).where(OutboxRow.chat_id == new_id)))
        for alert in session.scalars(select(OutboxRow).where(OutboxRow.chat_id == old_id)):
            if alert.statement_id not in have_alerts:
                alert.chat_id = new_id
        session.flush()
        session.delete(old)


def count_chats(db: Database) -> dict[str, int]:
    """Active and inactive chat counts, for /metrics."""
    with db.session() as session:
        rows = session.execute(select(ChatRow.active, func.count()).group_by(ChatRow.active))
        counts = {"active": 0, "inactive": 0}
        for active, count in rows:
            counts["active" if active else "inactive"] += count
        return counts


@dataclass(frozen=True)
class DigestClaim:
    won: bool  # False: this day's digest was already claimed (sent or being sent)
    previous: str | None  # the day recorded before, restored by `unclaim_digest` if sending fails


def claim_digest(db: Database, chat_id: int, day: str) -> DigestClaim:
    """Mark the chat's digest of `day` sent before sending it: a conditional update, so of two
    processes or two firings of the job only one wins."""
    with db.session() as session:
        previous = session.scalar(select(ChatRow.last_digest_on).where(ChatRow.id == chat_id))
        won = session.execute(
            update(ChatRow)
            .where(ChatRow.id == chat_id, or_(ChatRow.last_digest_on.is_(None), ChatRow.last_digest_on != day))
            .values(last_digest_on=day)
        ).rowcount
        return DigestClaim(bool(won), previous)


def unclaim_digest(db: Database, chat_id: int, day: str, previous: str | None) -> None:
    """Sending failed: give the day back so a catch-up can try again."""
    with db.session() as session:
        session.execute(
            update(ChatRow).where(ChatRow.id == chat_id, ChatRow.last_digest_on == day).values(last_digest_on=previous)
        )
