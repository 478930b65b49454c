"""Feed discovery: the feeds an HTML page advertises with `<link rel="alternate">`.

Ministries often publish a page, not a feed URL; the page's head names its feeds. This
lets a watchlist entry point at a site's home page and still be polled as a feed.
Only `<link>` and `<base>` tags are looked at, found by a scan that never builds a tree:
a 5 MB page costs milliseconds and no memory, where a full HTML parse took seconds and
hundreds of megabytes.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
# A tag's attributes stop at the next < or > and are at most 2,000 characters: the scan
# stays linear whatever the page holds.
_TAG = re.compile(r"<(link|base)\b([^<>]{0,2000})>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _attributes(raw: str) -> dict[str, str]:
    """Attribute names in lower case → unescaped values; the first of a repeated name wins."""
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(raw):
        value = next((group for group in match.groups()[1:] if group is not None), "")
        found.setdefault(match.group(1).lower(), unescape(value))
    return found


def find_feed_links(body: bytes, base_url: str) -> list[str]:
    """Absolute URLs of the advertised RSS/Atom feeds, in document order, without repeats."""
    page = body.decode("utf-8", "replace")
    base, links = base_url, []
    base_seen = False
    for match in _TAG.finditer(page):
        attributes = _attributes(match.group(2))
        href = attributes.get("href", "").strip()
        if not href:
            continue
        if match.group(1).lower() == "base":
            if not base_seen:
                base, base_seen = urljoin(base_url, href), True
            continue
        rel = set(attributes.get("rel", "").lower().split())
        kind = attributes.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rel and kind in FEED_TYPES:
            links.append(href)
    absolute: list[str] = []
    for href in links:  # relative to the <base>, wherever in the page it stands
        url = urljoin(base, href)
        if url.startswith(("http://", "https://")) and url not in absolute:
            absolute.append(url)
    return absolute
