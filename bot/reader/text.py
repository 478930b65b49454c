"""Whitespace clean-up shared by the parsers (feeds and t.me pages)."""

from __future__ import annotations

import re


def tidy_text(text: str) -> str:
    """Spaces, tabs and no-break spaces folded per line; at most one blank line in a row."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.replace("\r", "").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
