"""Bot API answers that are not JSON, in one log line instead of python-telegram-bot's traceback.

A proxy, gateway or captive portal between the bot and the Bot API answers with its own page
when it fails (an HTML 502 or 504, a 200 login page). PTB then logs the JSON decoding error with
its traceback at ERROR (`telegram.request.BaseRequest`) and raises `TelegramError("Invalid
server response")`, or a NetworkError carrying the whole page. `BotApiRequest`, the request
class of every Bot API call, turns such an answer into a `NetworkError` that says what came back
and what to check; each caller logs it in one line with what happens next (getUpdates and
alerts are retried with back-off, start-up tries again, a command's chat is told). JSON answers,
Telegram's own errors included, are left to PTB as they are.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.error import NetworkError
from telegram.request import HTTPXRequest, RequestData

TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
TAG = re.compile(rb"<[^>]*>")
SHOWN = 80  # characters of the page shown in the log line


def _shown(text: bytes) -> str:
    words = " ".join(text.decode("utf-8", "replace").split())
    return words if len(words) <= SHOWN else words[: SHOWN - 1] + "…"


def describe_body(payload: bytes) -> str:
    """What came back, in a few words: `an HTML page titled '502 Bad Gateway'`, `an empty body`."""
    if not payload.strip():
        return "an empty body"
    if payload.lstrip()[:1] == b"<":
        title = TITLE.search(payload)
        shown = _shown(title.group(1) if title else TAG.sub(b" ", payload))
        return f"an HTML page titled {shown!r}" if title else f"an HTML page ({shown!r})" if shown else "an HTML page"
    return f"{len(payload):,} bytes of text ({_shown(payload)!r})"


def not_json(url: str, status: int, payload: bytes) -> str:
    """The NetworkError message: what answered, and what the operator should check."""
    host = urlsplit(url).netloc.rpartition("@")[2]  # never the credentials of a base URL
    return (
        f"the Bot API request to {host} got HTTP {status} with {describe_body(payload)}, not JSON: a proxy or "
        "gateway on the way is failing, or TELEGRAM_API_BASE_URL does not point at a Bot API"
    )


class BotApiRequest(HTTPXRequest):
    """HTTPXRequest whose non-JSON answers are a NetworkError with one clear message (see the module)."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = DEFAULT_NONE,
        write_timeout: Any = DEFAULT_NONE,
        connect_timeout: Any = DEFAULT_NONE,
        pool_timeout: Any = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        status, payload = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if method != "POST":  # a file download (PTB's `retrieve` GETs; every Bot API call POSTs)
            return status, payload
        try:  # decoded as PTB's own parse_json_payload does, so what passes here parses there
            json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            raise NetworkError(not_json(url, status, payload)) from None
        return status, payload
