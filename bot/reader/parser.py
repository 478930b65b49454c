"""Parse stage: fetched bytes → FeedEntry list, whatever the format.

feedparser only ever sees bytes we fetched (wrapped in BytesIO, never a path or URL), and
runs in a worker thread. Entity declarations are refused before parsing; a 200 that is
not a feed is an error, not an empty feed.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any

import feedparser

from bot.model import FeedEntry
from bot.reader.text import tidy_text
from bot.reader.tme import is_channel_page, parse_channel_page

FORMAT_FEED = "feed"
FORMAT_TELEGRAM_HTML = "telegram_html"

_URL = re.compile(r"https?://\S+")
_NOT_WORD = re.compile(r"[\W_]+")
_DOCTYPE_OR_ENTITY = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
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

# Month names feedparser does not know (it reads English RFC 822 dates only).
_MONTHS = {
    "gen": "Jan",
    "feb": "Feb",
    "mar": "Mar",
    "apr": "Apr",
    "mag": "May",
    "giu": "Jun",
    "lug": "Jul",
    "ago": "Aug",
    "set": "Sep",
    "ott": "Oct",
    "nov": "Nov",
    "dic": "Dec",
    "janv": "Jan",
    "févr": "Feb",
    "mars": "Mar",
    "avr": "Apr",
    "mai": "May",
    "juin": "Jun",
    "juil": "Jul",
    "août": "Aug",
    "sept": "Sep",
    "oct": "Oct",
    "déc": "Dec",
    "ene": "Jan",
    "abr": "Apr",
    "dez": "Dec",
    "okt": "Oct",
    "mär": "Mar",
    "jan": "Jan",
}


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


def parse_loose_date(value: str) -> datetime | None:
    """Dates feedparser gives up on, e.g. Italian `mer, 16 nov 2022 00:38:15 +0100`."""
    cleaned = re.sub(r"^\s*[^\d\s,]+\.?,\s*", "", value.strip())

    def english_month(match: re.Match[str]) -> str:
        return _MONTHS.get(match.group(0).lower().rstrip("."), match.group(0))

    cleaned = re.sub(r"[^\W\d_]+\.?", english_month, cleaned)
    try:
        parsed = parsedate_to_datetime(cleaned)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _entry_date(entry: Any) -> datetime | None:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(field)
        if parsed:
            return datetime(*parsed[:6], tzinfo=UTC)
    for field in ("published", "updated", "created"):
        raw = entry.get(field)
        if raw:
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
        url=entry.get("link") or None,
        guid=entry.get("id") or None,
        published=_entry_date(entry),
        author=author,
    )


def parse_feed(body: bytes, content_type: str, url: str) -> list[FeedEntry]:
    """RSS 0.9x/1.0/2.0, Atom and RDF through feedparser; raises ParseError when it is no feed."""
    if _DOCTYPE_OR_ENTITY.search(body[:4096]) and b"<!doctype html" not in body[:4096].lower():
        raise ParseError("document declares a DOCTYPE or ENTITY; refused to protect against entity expansion")
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-type": content_type or "application/xml", "content-location": url},
    )
    entries = [e for e in (_to_entry(item) for item in parsed.entries) if e is not None]
    if not entries and (not parsed.version or parsed.get("bozo")):
        if b"<html" in body[:2048].lower():
            raise ParseError("got an HTML page, not a feed; check the URL or point it at the page's RSS link")
        reason = getattr(parsed.get("bozo_exception"), "args", [""])[0] if parsed.get("bozo") else "no feed found"
        raise ParseError(f"not a readable feed ({reason}); the server may be sending an error page or a truncated file")
    return entries


def parse_document(body: bytes, content_type: str, url: str, fmt: str) -> list[FeedEntry]:
    """Dispatch on the source's format; every format ends as the same FeedEntry shape.

    A bridge configured as a feed that answers with a t.me channel page is read as one.
    """
    if fmt == FORMAT_TELEGRAM_HTML or is_channel_page(body):
        return parse_channel_page(body, url)
    return parse_feed(body, content_type, url)
