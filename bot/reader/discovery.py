"""Feed discovery: the feeds an HTML page advertises with `<link rel="alternate">`.

Ministries often publish a page, not a feed URL; the page's head names its feeds. This
lets a watchlist entry point at a site's home page and still be polled as a feed.
"""

from __future__ import annotations

from urllib.parse import urljoin

from bot.reader.text import html_soup

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})


def find_feed_links(body: bytes, base_url: str) -> list[str]:
    """Absolute URLs of the advertised RSS/Atom feeds, in document order, without repeats."""
    soup = html_soup(body)
    base_tag = soup.find("base", href=True)
    base = urljoin(base_url, str(base_tag["href"])) if base_tag is not None else base_url
    links: list[str] = []
    for link in soup.find_all("link", href=True):
        rel = {str(r).lower() for r in link.get_attribute_list("rel")}
        kind = str(link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" not in rel or kind not in FEED_TYPES:
            continue
        url = urljoin(base, str(link["href"]).strip())
        if url.startswith(("http://", "https://")) and url not in links:
            links.append(url)
    return links
