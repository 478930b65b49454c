"""All SQL about what chats follow, and the rule that decides whether a chat follows an account.

A chat follows `all`, accounts and countries; under a wider subscription it can leave an
account or a country out (an exception row, `except-account` / `except-country`). The
most specific row decides (`deciding_subscription`). Functions are synchronous, one short
transaction each; callers get frozen dataclasses, never rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.storage.db import Database
from bot.storage.tables import AccountRow, ChatRow, SubscriptionRow

ALL = "all"
ACCOUNT = "account"
COUNTRY = "country"
EXCEPT_ACCOUNT = "except-account"  # an account left out of `all` or of its country
EXCEPT_COUNTRY = "except-country"  # a country left out of `all`

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


def subscriptions(db: Database, chat_id: int) -> list[Subscription]:
    with db.session() as session:
        return load_subscriptions(session, [chat_id]).get(chat_id, [])


def load_subscriptions(session: Session, chat_ids: Iterable[int]) -> dict[int, list[Subscription]]:
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
    subs = load_subscriptions(session, [chat_id]).get(chat_id, [])
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
        row = session.get(ChatRow, chat_id)
        if row is None:
            raise LookupError(f"chat {chat_id} is unknown; it must send /start first")
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
