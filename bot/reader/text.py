"""Whitespace clean-up and HTML loading shared by the parsers (feeds, t.me pages, discovery)."""

from __future__ import annotations

import re
import warnings

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
