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


# Credentials a feed URL may carry: `user:password@` (or a lone token as the user name) and
# query or fragment parameters that hold keys. Stored and fetched as they are; shown as ***.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/?#@\s\"'<>]+)@")
_SECRET_PARAMETER = re.compile(
    r"(?i)([?&;#](?:access_token|api[_-]?key|apikey|auth|key|passw(?:or)?d|secret|sig|signature|token)=)"
    r"([^&#\s\"'<>]+)"
)
_TRAILING = ".,:;)]"  # punctuation after a URL in a sentence ("…?token=abc: HTTP 404") stays
REDACTED = "***"


def _userinfo(match: re.Match[str]) -> str:
    user, colon, _ = match.group(2).partition(":")
    return f"{match.group(1)}{user}:{REDACTED}@" if colon else f"{match.group(1)}{REDACTED}@"


def _parameter(match: re.Match[str]) -> str:
    value = match.group(2)
    kept = value.rstrip(_TRAILING)
    return f"{match.group(1)}{REDACTED}{value[len(kept) :]}" if kept else match.group(0)


def redact_url(text: str) -> str:
    """`text` — a URL, or any line holding URLs (an error, a log message, a listing) — with the
    credentials of its URLs shown as ***: `https://user:***@host/feed`, `https://***@host/`
    (a user name alone may be a token), `?token=***`, `&apikey=***`, `#access_token=***`.
    The one place that does it: every listing, export, log line and message uses it."""
    if "://" not in text and "=" not in text:
        return text
    return _SECRET_PARAMETER.sub(_parameter, _USERINFO.sub(_userinfo, text))


def is_redacted(url: str) -> bool:
    """`url` is one that `redact_url` wrote (its credentials are gone: an export read back)."""
    return REDACTED in url and redact_url(url.replace(REDACTED, "x")) == url
