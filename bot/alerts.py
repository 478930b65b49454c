"""Alert selection: which chats get which new statements.

`select_alerts` is pure (data in, pairs out) and holds every rule; `queue_alerts` only
loads its inputs and stores its output in the outbox, where the unique (chat, statement)
pair makes queuing twice harmless.

Rules: the chat is active and not muted; a subscription covers the statement's account
(all, the account, or its country); the statement is not a repost; it arrived (was first
fetched) after the chat subscribed and after the covering subscription was made — its
own date does not matter, since feeds often carry late or back-dated items — and it is
not the backlog a new source's first fetch finds (no flood); it passes the chat's
filters (labels, minimum strength, accounts, languages, keywords).

Keywords are words or phrases in any language, matched on the original text, its title
and its English translation, ignoring case and accents ("Cessate il FUOCO" finds
"cessate il fuoco", "Kiew" does not find "Kiewer" but "Kiew*" does). A chat with include
keywords gets only statements that contain one of them; an exclude keyword always wins.
Words are matched whole in scripts written with spaces, as substrings in those written
without (Chinese, Japanese, Thai…) and in Arabic and Hebrew, which join particles to words.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache

from bot.storage import chats as chat_store
from bot.storage import outbox as outbox_store
from bot.storage.chats import ChatAudience
from bot.storage.db import Database
from bot.storage.outbox import AlertCandidate
from bot.storage.subscriptions import Subscription, deciding_subscription

log = logging.getLogger(__name__)

# scripts written without spaces, or (Arabic, Hebrew) that join particles to the word
# ("بوقف" = "with" + "halt"): there a keyword matches inside a longer word
SUBSTRING_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN", "ARABIC", "HEBREW")


def covered(subscriptions: Iterable[Subscription], statement: AlertCandidate) -> bool:
    """A subscription (not an exception) decides for the account, and is older than the statement."""
    decision = deciding_subscription(subscriptions, statement.account_id, statement.country)
    return decision is not None and not decision.is_exception and statement.arrived_at >= decision.created_at


def fold(value: str) -> str:
    """Lower case without accents or diacritics, spaces collapsed: what keywords compare."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    bare = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return " ".join(bare.split())


def _spaced(char: str) -> bool:
    return char.isalnum() and not unicodedata.name(char, "").startswith(SUBSTRING_SCRIPTS)


@lru_cache(maxsize=1024)
def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """Whole words (a trailing `*` allows any ending); substrings in scripts without spaces."""
    folded = fold(keyword)
    prefix = folded.endswith("*")
    folded = folded.rstrip("*").strip()
    body = r"\s+".join(re.escape(word) for word in folded.split())
    start = r"(?<!\w)" if folded and _spaced(folded[0]) else ""
    end = r"(?!\w)" if folded and _spaced(folded[-1]) and not prefix else ""
    return re.compile(start + body + end)


def matches_keyword(keywords: Iterable[str], texts: Iterable[str]) -> bool:
    folded = [fold(value) for value in texts if value]
    return any(keyword_pattern(keyword).search(value) for keyword in keywords for value in folded)


def passes_keywords(audience: ChatAudience, statement: AlertCandidate) -> bool:
    chat = audience.chat
    if not chat.keywords_include and not chat.keywords_exclude:
        return True
    texts = (statement.text, statement.title, statement.translation_en or "")
    if chat.keywords_exclude and matches_keyword(chat.keywords_exclude, texts):
        return False
    return not chat.keywords_include or matches_keyword(chat.keywords_include, texts)


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
    if chat.languages and primary_language(statement.lang) not in chat.languages:
        return False
    return passes_keywords(audience, statement)


def wants(audience: ChatAudience, statement: AlertCandidate) -> bool:
    """Whether this chat should be alerted about this statement."""
    chat = audience.chat
    if not chat.active or chat.muted or statement.is_repost or statement.backlog:
        return False
    if chat.subscribed_at is None or statement.arrived_at < chat.subscribed_at:
        return False
    if not covered(audience.subscriptions, statement):
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
    if not audiences:  # no chat subscribed yet: nothing to queue, nothing to load
        return 0
    pairs = select_alerts(outbox_store.alert_candidates(db, statement_ids), audiences)
    added = outbox_store.add_alerts(db, pairs, now)
    if added:
        log.info("queued %d alerts for %d statements", added, len(statement_ids))
    return added
