"""Parse stage: fetched bytes → FeedEntry list, whatever the format.

feedparser only ever sees bytes we fetched (wrapped in BytesIO, never a path or URL), and
runs in a worker thread. Entity declarations are refused before parsing; a 200 that is
not a feed is an error, not an empty feed.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import feedparser
import feedparser.mixin

from bot.model import FeedEntry
from bot.reader.dates import from_struct, parse_loose_date
from bot.reader.jsonfeed import NotJsonFeed, parse_json_feed
from bot.reader.text import html_to_text
from bot.reader.tme import parse_channel_page
from bot.reader.urls import safe_url

log = logging.getLogger(__name__)

FORMAT_FEED = "feed"
FORMAT_TELEGRAM_HTML = "telegram_html"
MAX_ITEMS = 1_000  # per document; real feeds carry 10 to a few hundred
MAX_CHANNEL_PAGE_BYTES = 1_000_000  # ten times the largest real t.me/s page we have seen
# Parsing costs some 30–60 µs per tag whatever the tag: 100,000 tags is a few seconds, and
# three times the tags of a 5 MB real feed (HTML escaped inside items counts too).
MAX_TAGS = 100_000
TME_MARKER = b"tgme_widget_message"
HTML_PAGE = "got an HTML page, not a feed; check the URL or point it at the page's RSS link"

_URL = re.compile(r"https?://\S+")
_NOT_WORD = re.compile(r"[\W_]+")
# An internal DTD subset (`<!DOCTYPE x [ ... ]>`) is where entities are declared; a plain
# DOCTYPE naming a public DTD (RSS 0.91's Netscape one) declares nothing and is read.
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY|<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
# Where a document says what it is: XML declaration, comments and DOCTYPE, then the root.
_ROOT_WINDOW = 65_536
_PROLOG = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*", re.DOTALL | re.IGNORECASE)
_ROOT = re.compile(rb"<([A-Za-z][\w:.-]*)")

# feedparser joins every element's base URI (xml:base) with its parent's, at every start
# tag (six `urljoin`s for a plain RSS item, a fifth of parsing), nearly all on the same two strings
# (the document's address). The function is pure, so remembering its answers changes none.
feedparser.mixin.make_safe_absolute_uri = lru_cache(maxsize=1024)(feedparser.mixin.make_safe_absolute_uri)


class ParseError(ValueError):
    """The document is not a feed we can read; the message says what it was instead."""


def normalise_text(text: str) -> str:
    """Case, width, links, punctuation and spacing removed: what two copies have in common."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NOT_WORD.sub(" ", _URL.sub(" ", folded)).strip()


def _entry_date(entry: Any) -> datetime | None:
    """The item's own date when it is one; a date outside 1970–2100 counts as none."""
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        moment = from_struct(entry.get(field))
        if moment is not None:
            return moment
    for field in ("published", "updated", "created"):
        raw = entry.get(field)
        if isinstance(raw, str) and raw:
            loose = parse_loose_date(raw)
            if loose is not None:
                return loose
    return None


def _entry_text(entry: Any) -> str:
    contents = entry.get("content") or []
    best = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "")
    return html_to_text(best if len(best) >= len(summary) else summary)


def _to_entry(entry: Any) -> FeedEntry | None:
    title = html_to_text(entry.get("title", ""))
    text = _entry_text(entry)
    if not text:
        text = title
    if not text:
        return None
    author = entry.get("author") or None
    return FeedEntry(
        text=text,
        title="" if title == text else title,
        url=safe_url(entry.get("link")),
        guid=entry.get("id") or None,
        published=_entry_date(entry),
        author=author,
    )


def _read_feed(body: bytes, content_type: str, url: str) -> tuple[Any, list[FeedEntry]]:
    """feedparser without its HTML sanitiser and its rewriting of relative links inside
    content: `html_to_text` keeps only the text (script and style dropped), so both were
    work thrown away (a third of parsing on real feeds)."""
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-type": content_type or "application/xml", "content-location": url},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    return parsed, [e for e in (_to_entry(item) for item in parsed.get("entries", [])) if e is not None]


def _unreadable(parsed: Any) -> bool:
    return not parsed.get("version") or bool(parsed.get("bozo"))


def parse_feed(body: bytes, content_type: str, url: str) -> list[FeedEntry]:
    """RSS 0.9x/1.0/2.0, Atom and RDF through feedparser; raises ParseError when it is no feed.

    feedparser trusts the HTTP charset over the document's own declaration; when that
    gives nothing readable, the document is read once more without it (a server that
    labels a UTF-8 feed `charset=utf-16` is common enough).
    """
    if not body.strip():
        raise ParseError(
            "the server answered with an empty body (HTTP 204 or Content-Length: 0); "
            "the feed may be temporarily down, will retry later"
        )
    if _ENTITY_DECLARATION.search(body):
        raise ParseError(
            "document declares XML entities (<!ENTITY or an internal DTD subset); refused to protect "
            "against entity expansion, ask the publisher for a plain feed"
        )
    _refuse_tag_floods(body)
    parsed, entries = _read_feed(body, content_type, url)
    if not entries and _unreadable(parsed) and "charset" in content_type.lower():
        parsed, entries = _read_feed(body, content_type.split(";", 1)[0], url)
    if not entries and _unreadable(parsed):
        if b"<html" in body[:2048].lower():
            raise ParseError(HTML_PAGE)
        reason = str(parsed.get("bozo_exception") or "")[:200] if parsed.get("bozo") else "no feed found"
        raise ParseError(f"not a readable feed ({reason}); the server may be sending an error page or a truncated file")
    return entries


def document_root(body: bytes) -> str:
    """What the document is by its structure: its first element's name in lower case
    ("rss", "feed", "rdf:rdf", "html"), "{" for a JSON object, "" when it cannot tell
    (another encoding than UTF-8 or ASCII, which feedparser sorts out)."""
    start = body[:_ROOT_WINDOW].removeprefix(b"\xef\xbb\xbf")
    prolog = _PROLOG.match(start)
    rest = start[prolog.end() if prolog else 0 :]
    if rest.startswith(b"{"):
        return "{"
    root = _ROOT.match(rest)
    return root.group(1).decode("ascii").lower() if root else ""


def _channel_page(body: bytes, url: str) -> list[FeedEntry]:
    """A t.me/s page, refused when far larger than one ever is (its parse tree grows ~100×)."""
    if len(body) > MAX_CHANNEL_PAGE_BYTES:
        raise ParseError(
            f"the channel page is {len(body):,} bytes; a t.me preview is about 100 KB and we read at most "
            f"{MAX_CHANNEL_PAGE_BYTES:,}, check that the Telegram bridge serves channel pages"
        )
    _refuse_tag_floods(body)
    return parse_channel_page(body, url)


def _refuse_tag_floods(body: bytes) -> None:
    """Bound the parse: a document of a million empty tags is no feed, only work."""
    tags = body.count(b"<") + body.count(b"&lt;")
    if tags > MAX_TAGS:
        raise ParseError(
            f"the document has {tags:,} tags, more than the {MAX_TAGS:,} we parse (a large real feed has a few "
            "thousand); refused to bound the work, point the watchlist at a shorter feed"
        )


def _json_feed(body: bytes) -> list[FeedEntry]:
    try:
        return parse_json_feed(body)
    except NotJsonFeed as error:
        raise ParseError(f"not a readable feed ({error}); check the feed address") from None


def _html_page(body: bytes, url: str) -> list[FeedEntry]:
    """An HTML page where a feed was expected: a t.me channel page (from a bridge), or an error."""
    entries = _channel_page(body, url) if TME_MARKER in body else []
    if not entries:
        raise ParseError(HTML_PAGE)
    return entries


def newest(entries: list[FeedEntry], url: str) -> list[FeedEntry]:
    """At most MAX_ITEMS entries, the newest by date (undated ones count as oldest, ties keep
    document order), in document order; a feed of 100,000 tiny items is read, not drowned in."""
    if len(entries) <= MAX_ITEMS:
        return entries
    floor = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(range(len(entries)), key=lambda index: entries[index].published or floor, reverse=True)
    kept = sorted(ranked[:MAX_ITEMS])
    log.warning(
        "%s has %d items, more than any feed needs; only the %d newest are read", url, len(entries), MAX_ITEMS
    )
    return [entries[index] for index in kept]


def parse_document(body: bytes, content_type: str, url: str, fmt: str) -> list[FeedEntry]:
    """Dispatch on the source's format and the document's structure; every format ends as
    the same FeedEntry shape, at most MAX_ITEMS of them.

    A feed source's document is read by its root: a JSON object as JSON Feed, an HTML
    page never by feedparser (slow on big pages, and no feed). A bridge configured as a
    feed that answers with a t.me channel page is read as one, but only when the document
    is no feed and its HTML has channel messages: a feed whose text merely mentions the
    t.me markup stays a feed.
    """
    if fmt == FORMAT_TELEGRAM_HTML:
        return newest(_channel_page(body, url), url)
    root = document_root(body)
    if root == "{":
        return newest(_json_feed(body), url)
    if root == "html":
        return newest(_html_page(body, url), url)
    try:
        return newest(parse_feed(body, content_type, url), url)
    except ParseError:
        if TME_MARKER not in body:
            raise
        entries = _channel_page(body, url)
        if entries:
            return newest(entries, url)
        raise
