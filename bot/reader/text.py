"""Whitespace clean-up, HTML to text and HTML loading shared by the parsers (feeds, JSON Feed, t.me pages)."""

from __future__ import annotations

import re
import warnings
from html import unescape
from html.parser import HTMLParser

from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning


def html_soup(body: bytes) -> BeautifulSoup:
    """A lenient HTML tree of any answer; a feed's (broken) XML is looked at this way too."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(body, "html.parser")


def tidy_text(text: str) -> str:
    """Spaces, tabs and no-break spaces folded per line; at most one blank line in a row."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.replace("\r", "").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


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
_SKIP_TAGS = {"script", "style", "template", "noscript", "applet"}  # code, never text

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
