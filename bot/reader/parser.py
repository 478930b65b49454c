"""Parse stage: fetched bytes → FeedEntry list, whatever the format.

feedparser only ever sees bytes we fetched (wrapped in BytesIO, never a path or URL), and
runs in a worker thread. Entity declarations are refused before parsing; a 200 that is
not a feed is an error, not an empty feed.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any

import feedparser

from bot.model import FeedEntry
from bot.reader.dates import from_struct, parse_loose_date
from bot.reader.text import tidy_text
from bot.reader.tme import parse_channel_page
from bot.reader.urls import safe_url

FORMAT_FEED = "feed"
FORMAT_TELEGRAM_HTML = "telegram_html"

_URL = re.compile(r"https?://\S+")
_NOT_WORD = re.compile(r"[\W_]+")
# An internal DTD subset (`<!DOCTYPE x [ ... ]>`) is where entities are declared; a plain
# DOCTYPE naming a public DTD (RSS 0.91's Netscape one) declares nothing and is read.
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY|<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "section",
    "article",
}
_SKIP_TAGS = {"script", "style", "template", "noscript"}

class ParseError(ValueError):
    """The document is not a feed we can read; the message says what it was instead."""


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skipping:
            self._skipping -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable text from HTML: tags dropped, paragraphs and line breaks kept as newlines."""
    if "<" not in markup and "&" not in markup:
        return tidy_text(markup)
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return tidy_text(unescape("".join(extractor.parts)))


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


def parse_feed(body: bytes, content_type: str, url: str) -> list[FeedEntry]:
    """RSS 0.9x/1.0/2.0, Atom and RDF through feedparser; raises ParseError when it is no feed."""
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
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-type": content_type or "application/xml", "content-location": url},
    )
    entries = [e for e in (_to_entry(item) for item in parsed.get("entries", [])) if e is not None]
    if not entries and (not parsed.get("version") or parsed.get("bozo")):
        if b"<html" in body[:2048].lower():
            raise ParseError("got an HTML page, not a feed; check the URL or point it at the page's RSS link")
        reason = getattr(parsed.get("bozo_exception"), "args", [""])[0] if parsed.get("bozo") else "no feed found"
        raise ParseError(f"not a readable feed ({reason}); the server may be sending an error page or a truncated file")
    return entries


def parse_document(body: bytes, content_type: str, url: str, fmt: str) -> list[FeedEntry]:
    """Dispatch on the source's format; every format ends as the same FeedEntry shape.

    A bridge configured as a feed that answers with a t.me channel page is read as one,
    but only when the document is no feed and its HTML has channel messages: a feed whose
    text merely mentions the t.me markup stays a feed.
    """
    if fmt == FORMAT_TELEGRAM_HTML:
        return parse_channel_page(body, url)
    try:
        return parse_feed(body, content_type, url)
    except ParseError:
        entries = parse_channel_page(body, url)
        if entries:
            return entries
        raise
