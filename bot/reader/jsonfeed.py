"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org) → feed entries.

feedparser reads only XML, yet our Accept header asks for `application/feed+json`, and
some sites (micro.blog, many static-site generators) publish only JSON Feed. The fields
map one to one onto what an RSS item gives us. Anything the spec says is a string but
is not one is treated as absent: a feed cannot make this code raise.
"""

from __future__ import annotations

import json
from typing import Any

from bot.model import FeedEntry
from bot.reader.dates import from_iso
from bot.reader.text import html_to_text
from bot.reader.urls import safe_url

VERSION_PREFIX = "https://jsonfeed.org/version/"


class NotJsonFeed(ValueError):
    """The body is not a JSON Feed; the message says what it is instead."""


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


def _author(item: dict[str, Any]) -> str | None:
    authors = item.get("authors")
    first = authors[0] if isinstance(authors, list) and authors else item.get("author")
    return _string(first.get("name")) or None if isinstance(first, dict) else None


def _entry(item: object) -> FeedEntry | None:
    if not isinstance(item, dict):
        return None
    title = html_to_text(_string(item.get("title")))
    text = _string(item.get("content_text")).strip() or html_to_text(_string(item.get("content_html")))
    text = text or html_to_text(_string(item.get("summary"))) or title
    if not text:
        return None
    guid = item.get("id")
    published = from_iso(_string(item.get("date_published"))) or from_iso(_string(item.get("date_modified")))
    return FeedEntry(
        text=text,
        title="" if title == text else title,
        url=safe_url(item.get("url")) or safe_url(item.get("external_url")),
        guid=str(guid) if isinstance(guid, str | int) and not isinstance(guid, bool) and str(guid) else None,
        published=published,
        author=_author(item),
    )


def parse_json_feed(body: bytes) -> list[FeedEntry]:
    """Every item with text, in the feed's order; raises NotJsonFeed for any other JSON."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:  # bad UTF-8, bad JSON, absurd numbers, nesting
        raise NotJsonFeed(f"the JSON does not parse ({str(error)[:120]})") from None
    if not isinstance(document, dict) or not _string(document.get("version")).startswith(VERSION_PREFIX):
        raise NotJsonFeed("JSON without a jsonfeed.org version, not a JSON Feed")
    items = document.get("items")
    if not isinstance(items, list):
        raise NotJsonFeed("a JSON Feed without an items list")
    return [entry for entry in (_entry(item) for item in items) if entry is not None]
