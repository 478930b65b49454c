"""Dedupe stage: a stable key per statement, and one content hash per text.

The key follows Miniflux's fallback guid → link → title+text, scoped to the account so the
same guid from another account is another statement. The content hash of the normalised
text makes the same words arriving from two sources of one account one statement.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from bot.model import FeedEntry, Statement
from bot.reader.parser import normalise_text

_BRIDGE_PREFIX = re.compile(r"^(?:rt by|r to|rt|re) \w+ ")  # "RT by @owner: …", normalised


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def statement_key(account_id: str, entry: FeedEntry) -> str:
    if entry.guid:
        identity = "guid:" + entry.guid.strip()
    elif entry.url:
        identity = "url:" + entry.url.strip()
    else:
        identity = "text:" + normalise_text(f"{entry.title}\n{entry.text}")
    return _digest(account_id, identity)


def content_hash(entry: FeedEntry) -> str:
    return _digest(normalise_text(f"{entry.title}\n{entry.text}"))


def title_repeats_text(title: str, text: str) -> bool:
    """Social bridges repeat the post as its title, sometimes prefixed ("RT by @x: …") or cut."""
    title_words = _BRIDGE_PREFIX.sub("", normalise_text(title))
    text_words = normalise_text(text)
    return bool(title_words) and (text_words.startswith(title_words) or title_words.startswith(text_words))


def to_statement(account_id: str, source_id: int, entry: FeedEntry, fetched_at: datetime) -> Statement:
    """Attribute an entry to its account; a missing date becomes the fetch time, flagged."""
    return Statement(
        account_id=account_id,
        source_id=source_id,
        text=entry.text,
        title="" if title_repeats_text(entry.title, entry.text) else entry.title,
        url=entry.url,
        guid=entry.guid,
        published=entry.published or fetched_at,
        published_estimated=entry.published is None,
        key=statement_key(account_id, entry),
        content_hash=content_hash(entry),
        is_repost=entry.is_repost,
    )
