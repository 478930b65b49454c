"""Dedupe stage: a stable key per statement, and one content hash per text.

The key follows Miniflux's fallback guid → link → title+text, scoped to the account so the
same guid from another account is another statement. The content hash of the normalised
text makes the same words arriving from two sources of one account one statement.

Feeds get guids wrong: a CMS may give all 500 items one guid. Within one fetch, items
whose key collides but whose words differ fall back to guid+link, then to their text, so
each stays a statement; only items that are the same words are merged, and counted.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.model import FeedEntry, Statement
from bot.reader.parser import normalise_text

_BRIDGE_PREFIX = re.compile(r"^(?:rt by|r to|rt|re) \w+ ")  # "RT by @owner: …", normalised


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


PRIMARY, GUID_AND_URL, CONTENT = 0, 1, 2


def statement_key(account_id: str, entry: FeedEntry, level: int = PRIMARY) -> str:
    """The item's identity: guid, else link, else text (PRIMARY); narrower at later levels."""
    if level == PRIMARY and entry.guid:
        identity = "guid:" + entry.guid.strip()
    elif level == PRIMARY and entry.url:
        identity = "url:" + entry.url.strip()
    elif level == GUID_AND_URL and entry.guid and entry.url:
        identity = "guid+url:" + entry.guid.strip() + "\x1f" + entry.url.strip()
    else:
        identity = "text:" + normalise_text(f"{entry.title}\n{entry.text}")
    return _digest(account_id, identity)


def content_hash(entry: FeedEntry) -> str:
    return _digest(normalise_text(f"{entry.title}\n{entry.text}"))


def title_repeats_text(title: str, text: str) -> bool:
    """Social bridges repeat the post as its title, sometimes prefixed ("RT by @x: …") or cut."""
    title_words = _BRIDGE_PREFIX.sub("", normalise_text(title))
    if not title_words:  # no title (most social posts): the text need not be normalised for it
        return False
    text_words = normalise_text(text)
    return text_words.startswith(title_words) or title_words.startswith(text_words)


def to_statement(
    account_id: str, source_id: int, entry: FeedEntry, fetched_at: datetime, key: str | None = None
) -> Statement:
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
        key=key or statement_key(account_id, entry),
        content_hash=content_hash(entry),
        is_repost=entry.is_repost,
    )


@dataclass(frozen=True)
class Batch:
    """One fetch's statements, one per distinct item, and how many repeats were merged."""

    statements: list[Statement] = field(default_factory=list)
    merged: int = 0


def _batch_keys(account_id: str, entries: Sequence[FeedEntry]) -> list[str]:
    """Keys for one fetch: an item whose key another item shares moves to the next level."""
    levels = [PRIMARY] * len(entries)
    keys = [statement_key(account_id, entry) for entry in entries]
    while True:
        counts = Counter(keys)
        moved = False
        for index, entry in enumerate(entries):
            if counts[keys[index]] > 1 and levels[index] < CONTENT:
                levels[index] += 1
                keys[index] = statement_key(account_id, entry, levels[index])
                moved = True
        if not moved:
            return keys


def to_statements(account_id: str, source_id: int, entries: Sequence[FeedEntry], fetched_at: datetime) -> Batch:
    """Every item of one fetch as a statement; repeats (same key or same words) merged, counted."""
    statements: list[Statement] = []
    seen: set[str] = set()
    for entry, key in zip(entries, _batch_keys(account_id, entries), strict=True):
        statement = to_statement(account_id, source_id, entry, fetched_at, key)
        if key in seen or statement.content_hash in seen:
            continue
        seen.update((key, statement.content_hash))
        statements.append(statement)
    return Batch(statements, len(entries) - len(statements))
