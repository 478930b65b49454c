"""Why a fetch failed, in one line an operator can act on: the kinds, HTTP statuses,
wire errors (TLS, DNS, broken HTTP, cut connections) and Retry-After.

Kept apart from the fetcher so that the rules for talking to servers and the words for
their failures each stay one readable module.
"""

from __future__ import annotations

import email.utils
import socket
import ssl
import time
from datetime import UTC
from typing import Literal

import httpx

BACKOFF_STATUSES = frozenset({403, 429, 503})
MAX_RETRY_AFTER = 21_600.0  # longer asks get 6 h, the pipeline's longest back-off; we still retry

FetchErrorKind = Literal[
    "unsafe_url", "timeout", "too_large", "http_status", "network", "too_many_redirects", "bad_url"
]
class FetchError(Exception):
    """A fetch that produced no usable answer; `str()` is one line saying what to do."""

    def __init__(
        self,
        url: str,
        problem: str,
        *,
        kind: FetchErrorKind,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(_one_line(f"{url}: {problem}"))
        self.url = url
        self.problem = problem
        self.kind = kind
        self.status = status
        self.retry_after = retry_after


def transport_problem(error: httpx.TransportError) -> str:
    """What went wrong on the wire, in words an operator can act on (the cause, not httpx's)."""
    causes: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and len(causes) < 10:
        causes.append(seen)
        seen = seen.__cause__ or seen.__context__
    detail = f"{type(error).__name__}: {str(error) or 'no detail'}"
    if any(isinstance(cause, socket.gaierror) for cause in causes):
        return f"the host name does not resolve ({error}); check the spelling, will retry later"
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return (
            f"the TLS handshake failed ({detail}); the port may not speak HTTPS or its certificate "
            "is not valid, check the scheme and port in the watchlist, will retry later"
        )
    if isinstance(error, httpx.RemoteProtocolError):
        return (
            f"the server broke the HTTP protocol ({detail}); it is misconfigured or not a web server, "
            "will retry later"
        )
    if isinstance(error, httpx.ReadError | httpx.WriteError):
        return f"the connection was cut mid-answer ({detail}); will retry later"
    return f"network error ({detail}); check the host name and that the site is up, will retry later"


def status_error(url: str, response: httpx.Response) -> FetchError:
    status = response.status_code
    phrase = f"HTTP {status} {response.reason_phrase}".rstrip()
    retry_after = (
        parse_retry_after(response.headers.get("Retry-After"))
        if status in BACKOFF_STATUSES
        else None
    )
    wait = (
        f"retry after {retry_after:g} s" if retry_after is not None else "will retry with backoff"
    )
    if status == 429:
        advice = f"the server is rate-limiting us; {wait}"
    elif status in (401, 403):
        advice = f"the server refuses this client (a bridge may be blocked or overloaded); {wait}"
    elif status in (404, 410):
        advice = "the feed is gone; check its address in the watchlist"
    elif status >= 500:
        advice = f"server error; {wait}"
    else:
        advice = "the request was rejected; check the feed address in the watchlist"
    return FetchError(
        url, f"{phrase}; {advice}", kind="http_status", status=status, retry_after=retry_after
    )


def too_large(url: str, max_bytes: int, how: str) -> FetchError:
    return FetchError(
        url,
        f"the answer is larger than the {max_bytes:,}-byte cap ({how}); "
        "point the watchlist at a smaller feed",
        kind="too_large",
    )


def unsafe_address(url: str, host: str, address: object) -> FetchError:
    return FetchError(
        url,
        f"{host} resolves to non-public address {address}; refused "
        "(set LADDERWATCH_ALLOW_PRIVATE_URLS=1 only if you trust this network)",
        kind="unsafe_url",
    )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or an HTTP date), 0 to 6 h."""
    if not value:
        return None
    value = value.strip()
    seconds = float(value[:20]) if value.isascii() and value.isdigit() else _seconds_until(value)
    return None if seconds is None else min(max(0.0, seconds), MAX_RETRY_AFTER)


def _seconds_until(value: str) -> float | None:
    moment = _http_date(value)
    if moment is None:
        return None
    return moment - time.time()


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # HTTP dates are GMT; a "-0000" zone comes back naive and must not be read as local time.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _one_line(text: str) -> str:
    return " ".join(text.split())
