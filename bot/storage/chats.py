"""All SQL about chats and their subscriptions; callers get frozen dataclasses, never rows.

Functions are synchronous (one short transaction each); the Telegram layer calls them
through `asyncio.to_thread` so the event loop never waits on the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.storage.db import Database
from bot.storage.tables import AccountRow, ChatRow, OutboxRow, StatementRow, SubscriptionRow

ALL = "all"
ACCOUNT = "account"
COUNTRY = "country"
EXCEPT_ACCOUNT = "except-account"  # an account left out of `all` or of its country
EXCEPT_COUNTRY = "except-country"  # a country left out of `all`
DIGEST_OFF = "off"

# what /subscribe and /unsubscribe did
ADDED, RESTORED, ALREADY = "added", "restored", "already"
REMOVED, EXCEPTED, NOT_FOLLOWED = "removed", "excepted", "not_followed"


@dataclass(frozen=True)
class Subscription:
    kind: str  # ALL, ACCOUNT, COUNTRY, or an exception: EXCEPT_ACCOUNT, EXCEPT_COUNTRY
    target: str
    created_at: datetime

    @property
    def is_exception(self) -> bool:
        return self.kind in (EXCEPT_ACCOUNT, EXCEPT_COUNTRY)


def deciding_subscription(subs: Iterable[Subscription], account_id: str, country: str) -> Subscription | None:
    """The subscription that decides whether an account is followed, the most specific first:
    the account (followed or excepted), then its country (followed or excepted), then `all`.

    The account is followed when the answer exists and is not an exception, so
    `/subscribe all` + `/unsubscribe tajani` leaves Tajani out, and `/subscribe tajani`
    brings him back even when his whole country is excepted.
    """
    country = country.upper()
    by_level: dict[int, Subscription] = {}
    for sub in subs:
        if sub.kind in (ACCOUNT, EXCEPT_ACCOUNT) and sub.target == account_id:
            by_level.setdefault(0, sub)
        elif sub.kind in (COUNTRY, EXCEPT_COUNTRY) and country and sub.target.upper() == country:
            by_level.setdefault(1, sub)
        elif sub.kind == ALL:
            by_level.setdefault(2, sub)
    return by_level[min(by_level)] if by_level else None


def follows(subs: Iterable[Subscription], account_id: str, country: str) -> bool:
    decision = deciding_subscription(subs, account_id, country)
    return decision is not None and not decision.is_exception


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


def _settings(row: ChatRow) -> ChatSettings:
    return ChatSettings(
        id=row.id,
        type=row.type,
        title=row.title,
        language=row.language,
        timezone=row.timezone,
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


def subscriptions(db: Database, chat_id: int) -> list[Subscription]:
    with db.session() as session:
        return _subscriptions(session, [chat_id]).get(chat_id, [])


def _subscriptions(session: Session, chat_ids: Iterable[int]) -> dict[int, list[Subscription]]:
    rows = session.scalars(
        select(SubscriptionRow).where(SubscriptionRow.chat_id.in_(list(chat_ids))).order_by(SubscriptionRow.id)
    )
    found: dict[int, list[Subscription]] = {}
    for row in rows:
        found.setdefault(row.chat_id, []).append(Subscription(row.target_kind, row.target, row.created_at))
    return found


def _country_of(session: Session, account_id: str) -> str:
    return session.scalar(select(AccountRow.country).where(AccountRow.id == account_id)) or ""


def _find(session: Session, chat_id: int, kind: str, target: str) -> SubscriptionRow | None:
    return session.scalar(
        select(SubscriptionRow).where(
            SubscriptionRow.chat_id == chat_id, SubscriptionRow.target_kind == kind, SubscriptionRow.target == target
        )
    )


def _drop(session: Session, chat_id: int, kind: str, targets: Iterable[str]) -> int:
    result = session.execute(
        delete(SubscriptionRow).where(
            SubscriptionRow.chat_id == chat_id,
            SubscriptionRow.target_kind == kind,
            SubscriptionRow.target.in_(list(targets)),
        )
    )
    session.flush()
    return int(result.rowcount or 0)


def _country_accounts(session: Session, country: str) -> list[str]:
    return list(session.scalars(select(AccountRow.id).where(AccountRow.country == country)))


def _covered(session: Session, chat_id: int, kind: str, target: str) -> bool:
    """Whether the target is followed now: an account, or (a country) any of its accounts."""
    subs = _subscriptions(session, [chat_id]).get(chat_id, [])
    if kind == ALL:
        return any(s.kind == ALL for s in subs) and not any(s.is_exception for s in subs)
    if kind == ACCOUNT:
        return follows(subs, target, _country_of(session, target))
    return follows(subs, "", target) or any(follows(subs, a, target) for a in _country_accounts(session, target))


def subscribe(db: Database, chat_id: int, kind: str, target: str, now: datetime) -> str:
    """Follow `target` (ALL, an account id or a country): ADDED, RESTORED (an exception was
    lifted) or ALREADY. `all` also lifts every exception; a country lifts its accounts' too.

    The first subscription of a chat sets `subscribed_at`: nothing older is alerted.
    """
    now = now.replace(microsecond=0)  # feeds date items to the second
    with db.session() as session:
        row = _row(session, chat_id)
        lifted = 0
        if kind == ALL:
            result = session.execute(
                delete(SubscriptionRow).where(
                    SubscriptionRow.chat_id == chat_id,
                    SubscriptionRow.target_kind.in_((EXCEPT_ACCOUNT, EXCEPT_COUNTRY)),
                )
            )
            lifted = int(result.rowcount or 0)
        elif kind == ACCOUNT:
            lifted = _drop(session, chat_id, EXCEPT_ACCOUNT, [target])
        else:
            lifted = _drop(session, chat_id, EXCEPT_COUNTRY, [target])
            lifted += _drop(session, chat_id, EXCEPT_ACCOUNT, _country_accounts(session, target))
        followed = _find(session, chat_id, kind, target) is not None
        if followed or (kind != ALL and _covered(session, chat_id, kind, target)):
            return RESTORED if lifted else ALREADY
        has_any = session.scalar(select(func.count()).where(SubscriptionRow.chat_id == chat_id))
        if not has_any or row.subscribed_at is None:
            row.subscribed_at = now
        session.add(SubscriptionRow(chat_id=chat_id, target_kind=kind, target=target, created_at=now))
        return RESTORED if lifted else ADDED


def unsubscribe(db: Database, chat_id: int, kind: str, target: str, now: datetime) -> str:
    """Stop following an account or a country: REMOVED, EXCEPTED (it stays out of a wider
    subscription such as `all`, recorded as an exception) or NOT_FOLLOWED."""
    exception = EXCEPT_ACCOUNT if kind == ACCOUNT else EXCEPT_COUNTRY
    with db.session() as session:
        if not _covered(session, chat_id, kind, target):
            return NOT_FOLLOWED
        _drop(session, chat_id, kind, [target])
        if kind == COUNTRY:  # nothing from that country, including accounts followed one by one
            _drop(session, chat_id, ACCOUNT, _country_accounts(session, target))
        if not _covered(session, chat_id, kind, target):
            return REMOVED
        now = now.replace(microsecond=0)
        session.add(SubscriptionRow(chat_id=chat_id, target_kind=exception, target=target, created_at=now))
        return EXCEPTED


def unsubscribe_all(db: Database, chat_id: int) -> int:
    with db.session() as session:
        result = session.execute(delete(SubscriptionRow).where(SubscriptionRow.chat_id == chat_id))
        return int(result.rowcount or 0)


def audiences(db: Database) -> list[ChatAudience]:
    """Active, unmuted chats that follow something: the only possible alert recipients.

    Chats that manage a channel are not audiences by that link: the channel is its own chat.
    """
    with db.session() as session:
        rows = list(session.scalars(select(ChatRow).where(ChatRow.active, ChatRow.muted.is_(False))))
        subs = _subscriptions(session, [row.id for row in rows])
        return [ChatAudience(_settings(row), tuple(subs[row.id])) for row in rows if row.id in subs]


def chat_account_ids(db: Database, chat_id: int) -> set[str] | None:
    """Account ids a chat's digest covers; None means every account.

    Subscriptions decide (all / accounts / countries), narrowed by the accounts filter;
    a chat that follows nothing yet sees everything, so /digest is never empty by mistake.
    """
    with db.session() as session:
        chat = _row(session, chat_id)
        subs = _subscriptions(session, [chat_id]).get(chat_id, [])
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
