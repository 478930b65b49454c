"""One rule for every link a feed hands us: only absolute http(s) addresses go any further.

The parser, the t.me reader, alerts and the digest all call `safe_url`, so a `javascript:`,
`data:` or otherwise odd link in a feed never reaches a chat, whichever path it takes.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f<>\"`\\]")
MAX_URL_LENGTH = 2000  # the statements.url column; a longer link is no link a reader clicks


def safe_url(url: object) -> str | None:
    """`url` stripped when it is an absolute http(s) address with a host; None otherwise."""
    if not isinstance(url, str):
        return None
    candidate = url.strip()
    if not candidate or len(candidate) > MAX_URL_LENGTH or _UNSAFE_CHARACTERS.search(candidate):
        return None
    try:
        parts = urlsplit(candidate)
        port_ok = parts.port is None or parts.port > 0  # .port raises on 65536 and junk
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or not port_ok:
        return None
    return candidate
