"""Telegram's flood limits kept on our side, so that the Bot API never has to answer 429.

Telegram allows about 30 messages/s per bot, 1/s per private chat and 20/min per group or
channel; beyond them it answers 429 with `retry_after`. PTB's `AIORateLimiter` lets a whole
second's worth through at once and then exactly the limit, so any jitter between our clock
and Telegram's lands a message over the line. Here every limit is a schedule (GCRA): a
message reserves the earliest moment all its limits allow, at `SHARE` of each limit, and
waits for it. Bursts stay small: after a stall of the event loop the overall pace may catch
up `CATCH_UP_SECONDS` worth (6 messages at Telegram's rate) on top of the messages already
waiting for their slots (the delivery's concurrency), well inside Telegram's one second.

Only messages (`send*`, `forward*`, `copy*`) are limited: edits, lookups and callback
answers go straight through. After a 429 every message waiting for a slot fails with the
same `RetryAfter` at once instead of queueing behind it, and new ones fail until it ends.
"""

from __future__ import annotations

import asyncio
import math
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

SHARE = 0.95  # of each limit: the margin that absorbs network and scheduling jitter
OVERALL_PER_SECOND = 30.0
CHAT_PER_SECOND = 1.0
GROUP_PER_MINUTE = 20.0
MESSAGE_METHODS = ("send", "forward", "copy")  # endpoint prefixes that post a message
CATCH_UP_SECONDS = 0.2  # after a stall of the event loop, the overall pace may catch up this much
SWEEP_EVERY = 1024  # chat schedules created between two sweeps of the ones that ran out

JSON = bool | dict[str, Any] | list[dict[str, Any]]


@dataclass
class Schedule:
    """One limit as a generic cell rate algorithm: `due` is when the next message would be
    exactly on the rate; `tolerance` is how far ahead of it a burst may run."""

    interval: float
    tolerance: float = 0.0
    due: float = 0.0

    def free_at(self) -> float:
        return self.due - self.tolerance

    def reserve(self, earliest: float) -> float:
        """The first moment from `earliest` this limit allows, taken."""
        at = max(earliest, self.free_at())
        self.due = max(self.due, at) + self.interval
        return at

    def sent_at(self, moment: float) -> None:
        """The message actually left at `moment` (a late wake-up): the next one keeps its distance."""
        self.due = max(self.due, moment + self.interval)


def retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the type will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def flood_error(seconds: float) -> RetryAfter:
    with warnings.catch_warnings():  # PTB 22 warns that the type will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return RetryAfter(max(1, math.ceil(seconds)))


class TelegramLimiter(BaseRateLimiter[None]):
    """Overall, per-chat and per-group limits for one bot; `scale` multiplies every limit
    (benchmarks run against a test double that enforces scaled limits)."""

    def __init__(self, scale: float = 1.0, share: float = SHARE) -> None:
        rate = share * scale
        self.overall = Schedule(1 / (OVERALL_PER_SECOND * rate), CATCH_UP_SECONDS)
        self.chat_interval = 1 / (CHAT_PER_SECOND * rate)
        self.group_interval = 60 / (GROUP_PER_MINUTE * rate)
        self.group_burst = max(1, math.floor(GROUP_PER_MINUTE * scale) - 1)
        self.chats: dict[int | str, Schedule] = {}
        self.resume_at = 0.0  # flood control: no message before this (event-loop clock)
        self._created = 0

    async def initialize(self) -> None:
        """Nothing to set up: schedules start empty."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    @staticmethod
    def now() -> float:
        return asyncio.get_running_loop().time()

    def _schedule(self, chat_id: int | str) -> Schedule:
        found = self.chats.get(chat_id)
        if found is None:
            self._created += 1
            if self._created % SWEEP_EVERY == 0:  # a schedule that ran out is the same as none
                now = self.now()
                self.chats = {key: s for key, s in self.chats.items() if s.due > now}
            group = isinstance(chat_id, str) or chat_id < 0
            interval = self.group_interval if group else self.chat_interval
            found = self.chats[chat_id] = Schedule(interval, (self.group_burst - 1) * interval if group else 0.0)
        return found

    def chat_delay(self, chat_id: int) -> float:
        """Seconds until a message to `chat_id` is allowed by its own limit (0: now)."""
        found = self.chats.get(chat_id)
        return 0.0 if found is None else max(0.0, found.free_at() - self.now())

    def _check_pause(self) -> None:
        remaining = self.resume_at - self.now()
        if remaining > 0:
            raise flood_error(remaining)

    async def _wait_until(self, moment: float) -> None:
        await asyncio.sleep(max(0.0, moment - self.now()))
        self._check_pause()  # a 429 came while we waited: fail with it, unsent

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> JSON:
        chat_id = data.get("chat_id")
        if chat_id is None or not endpoint.startswith(MESSAGE_METHODS):
            return await callback(*args, **kwargs)
        key: int | str = int(chat_id) if str(chat_id).lstrip("-").isdigit() else str(chat_id)
        self._check_pause()
        chat = self._schedule(key)
        await self._wait_until(chat.reserve(self.now()))  # the chat's own slot first: others keep going
        await self._wait_until(self.overall.reserve(self.now()))
        chat.sent_at(self.now())
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as error:  # Telegram's flood control is per bot: everything waits
            self.resume_at = max(self.resume_at, self.now() + retry_seconds(error))
            raise
