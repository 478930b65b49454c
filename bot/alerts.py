"""Alert selection: which chats get which new statements.

`select_alerts` is pure (data in, pairs out) and holds every rule; `queue_alerts` only
loads its inputs and stores its output in the outbox, where the unique (chat, statement)
pair makes queuing twice harmless.

Rules: the chat is active and not muted; a subscription covers the statement's account
(all, the account, or its country); the statement is not a repost; it arrived (was first
fetched) after the chat subscribed and after the covering subscription was made — its
own date does not matter, since feeds often carry late or back-dated items — and it is
not the backlog a new source's first fetch finds (no flood); it passes the chat's
filters (labels, minimum strength, accounts, languages).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from bot.storage import chats as chat_store
from bot.storage import outbox as outbox_store
from bot.storage.chats import ACCOUNT, ALL, COUNTRY, ChatAudience, Subscription
from bot.storage.db import Database
from bot.storage.outbox import AlertCandidate

log = logging.getLogger(__name__)


def covers(subscription: Subscription, statement: AlertCandidate) -> bool:
    if statement.arrived_at < subscription.created_at:
        return False
    if subscription.kind == ALL:
        return True
    if subscription.kind == ACCOUNT:
        return subscription.target == statement.account_id
    if subscription.kind == COUNTRY:
        return bool(statement.country) and subscription.target.upper() == statement.country.upper()
    return False


def primary_language(code: str) -> str:
    return code.split("-")[0].lower()


def passes_filters(audience: ChatAudience, statement: AlertCandidate) -> bool:
    chat = audience.chat
    if statement.label not in chat.labels:
        return False
    if abs(statement.score) < chat.min_strength:
        return False
    if chat.accounts and statement.account_id not in chat.accounts:
        return False
    return not chat.languages or primary_language(statement.lang) in chat.languages


def wants(audience: ChatAudience, statement: AlertCandidate) -> bool:
    """Whether this chat should be alerted about this statement."""
    chat = audience.chat
    if not chat.active or chat.muted or statement.is_repost or statement.backlog:
        return False
    if chat.subscribed_at is None or statement.arrived_at < chat.subscribed_at:
        return False
    if not any(covers(sub, statement) for sub in audience.subscriptions):
        return False
    return passes_filters(audience, statement)


def select_alerts(statements: Sequence[AlertCandidate], audiences: Sequence[ChatAudience]) -> list[tuple[int, int]]:
    """(chat_id, statement_id) pairs, statements oldest first so delivery keeps their order."""
    ordered = sorted(statements, key=lambda s: (s.published_at, s.id))
    return [
        (audience.chat.id, statement.id)
        for statement in ordered
        for audience in audiences
        if wants(audience, statement)
    ]


def queue_alerts(
    db: Database, statement_ids: list[int], now: datetime, audiences: Sequence[ChatAudience] | None = None
) -> int:
    """Queue alerts for newly stored statements; returns how many outbox rows were added.

    `audiences` may be loaded once for a whole poll pass (many refreshes); None loads them.
    """
    if not statement_ids:
        return 0
    if audiences is None:
        audiences = chat_store.audiences(db)
    pairs = select_alerts(outbox_store.alert_candidates(db, statement_ids), audiences)
    added = outbox_store.add_alerts(db, pairs, now)
    if added:
        log.info("queued %d alerts for %d statements", added, len(statement_ids))
    return added
