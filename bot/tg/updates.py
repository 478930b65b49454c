"""getUpdates answers the bot can always move past.

PTB parses a getUpdates batch as a whole: one update it cannot parse makes it log the
batch as CRITICAL and ask again from the same offset, at once and forever, so the bot
answers nobody (and looks alive). An answer that is not a list of updates at all (a
proxy's page, `{"ok": true}` without a result) escapes its retry loop's back-off the same
way. This request class, used for getUpdates only, keeps each update PTB can parse, turns
one it cannot into a bare update with the same id (so the offset moves past it; no
handler acts on it) and drops entries without an id; an answer that is not a list
becomes a `NetworkError`, which PTB retries with back-off.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.request import RequestData

from bot.tg.request import BotApiRequest

log = logging.getLogger(__name__)


def readable_updates(result: object) -> list[dict[str, Any]]:
    """The updates of a getUpdates result, each one PTB can parse; NetworkError if not a list."""
    if not isinstance(result, list):
        raise NetworkError(f"getUpdates answered {type(result).__name__}, not a list of updates")
    kept: list[dict[str, Any]] = []
    for item in result:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        if not isinstance(update_id, int):
            log.warning("getUpdates sent an entry without an update_id; skipped: %.200r", item)
            continue
        try:
            Update.de_json(item, None)
        except Exception as error:  # any shape PTB cannot read
            log.warning("update %s could not be read (%s); skipped: %.300r", update_id, error, item)
            kept.append({"update_id": update_id})
            continue
        kept.append(item)
    return kept


class UpdatesRequest(BotApiRequest):
    """A Bot API request whose getUpdates answers are always readable (see the module).

    A token Telegram refuses on getUpdates (revoked in @BotFather while running) ends PTB's
    polling for good while the process lives on, reading nothing: `token_refused` is set so
    the bot can stop and say why instead."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.token_refused = asyncio.Event()

    async def post(
        self,
        url: str,
        request_data: RequestData | None = None,
        read_timeout: Any = DEFAULT_NONE,
        write_timeout: Any = DEFAULT_NONE,
        connect_timeout: Any = DEFAULT_NONE,
        pool_timeout: Any = DEFAULT_NONE,
    ) -> Any:
        try:
            result = await super().post(url, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout)
        except InvalidToken:
            if url.endswith("/getUpdates"):
                self.token_refused.set()
            raise
        except TelegramError:
            raise
        except Exception as error:  # a JSON answer without "result", or not an object
            raise NetworkError(f"unreadable Bot API answer: {type(error).__name__}: {error}") from error
        return readable_updates(result) if url.endswith("/getUpdates") else result
