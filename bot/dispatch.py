"""One outbox pass: due alerts claimed in batches and sent with several in flight at once.

Sending one alert after another cannot reach Telegram's rate: each waits for its HTTP
answer and a database write. A pass keeps up to `CONCURRENCY` alerts in flight (the rate
limiter spaces them out), one at a time per chat and in outbox order, and never waits on
one chat's own limit while another chat could send. Claims skip the chats the pass already
holds, and a chat's claimed alerts beyond `PER_CHAT_AHEAD` are released at once, so a chat
with a long queue never starves the others and no claim outlives its two minutes. Alerts
queued while a pass runs are taken by that pass: `wake` is set, and it claims again.

Memory is flat in the number of chats: a pass holds at most `WAITING_CAP` claimed alerts,
and the statements' contents it reuses for a fan-out are kept for the last `CONTENT_CACHE`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot.storage import chats as chat_store
from bot.storage import outbox as outbox_store
from bot.storage.chats import ChatSettings
from bot.storage.db import Database
from bot.storage.outbox import AlertContent, OutboxItem

log = logging.getLogger(__name__)

CONCURRENCY = 16  # enough to fill Telegram's rate while each alert waits on HTTP and the database
BATCH = 100
WAITING_CAP = 4 * BATCH
PER_CHAT_AHEAD = 4
CONTENT_CACHE = 64


@dataclass(frozen=True)
class Delivered:
    """What became of one alert: `sent`, and `chat_changed` (the chat moved, refused or lost
    its topic: its other claimed alerts are released and read afresh)."""

    sent: bool
    chat_changed: bool = False


@dataclass(frozen=True)
class Claimed:
    item: OutboxItem
    content: AlertContent | None  # None: the statement or chat is gone (the alert fails)
    chat: ChatSettings | None


class Sender(Protocol):
    def paused(self) -> bool: ...

    def chat_delay(self, chat_id: int) -> float: ...

    async def deliver(self, claimed: Claimed) -> Delivered: ...


class OutboxPass:
    def __init__(self, sender: Sender, db: Database, wake: asyncio.Event) -> None:
        self.sender, self.db, self.wake = sender, db, wake
        self.waiting: list[Claimed] = []  # claimed, not started, in outbox order
        self.running: dict[asyncio.Task[Delivered], int] = {}  # task → its chat
        self.contents: OrderedDict[int, AlertContent | None] = OrderedDict()
        self.exhausted = False
        self.deferred: set[int] = set()  # chats with alerts released at claim time (PER_CHAT_AHEAD)
        self.done = 0

    # --- claiming ------------------------------------------------------------------------

    async def _content(self, statement_id: int) -> AlertContent | None:
        if statement_id in self.contents:
            self.contents.move_to_end(statement_id)
            return self.contents[statement_id]
        content = await asyncio.to_thread(outbox_store.alert_content, self.db, statement_id)
        self.contents[statement_id] = content
        if len(self.contents) > CONTENT_CACHE:
            self.contents.popitem(last=False)
        return content

    def _held(self) -> set[int]:
        return set(self.running.values()) | {c.item.chat_id for c in self.waiting}

    def _undefer(self) -> None:
        """A chat whose further alerts were released has sent what it held: claim again."""
        if self.deferred:
            free = self.deferred - self._held()
            if free:
                self.deferred -= free
                self.exhausted = False

    async def _claim(self) -> None:
        """Claim due alerts of chats this pass does not hold yet, with what sending them needs."""
        self.wake.clear()
        held = self._held()
        self.deferred |= held  # their later alerts were not claimed: once free, claim again
        now = datetime.now(UTC)
        items = await asyncio.to_thread(outbox_store.due_alerts, self.db, now, BATCH, exclude_chats=held)
        self.exhausted = len(items) < BATCH
        kept: list[OutboxItem] = []
        later: list[int] = []
        per_chat: dict[int, int] = {}
        for item in items:
            per_chat[item.chat_id] = per_chat.get(item.chat_id, 0) + 1
            if per_chat[item.chat_id] <= PER_CHAT_AHEAD:
                kept.append(item)
            else:
                later.append(item.id)
                self.deferred.add(item.chat_id)
        if later:
            await asyncio.to_thread(outbox_store.release_claims, self.db, later)
        chats = await asyncio.to_thread(chat_store.get_chats, self.db, list(per_chat))
        for item in kept:
            content = await self._content(item.statement_id)
            self.waiting.append(Claimed(item, content, chats.get(item.chat_id)))

    # --- starting ------------------------------------------------------------------------

    def _start_ready(self) -> float | None:
        """Start every waiting alert whose chat is free and allowed to send now; returns the
        seconds until the next waiting one may be (None: all wait on a running alert)."""
        blocked = set(self.running.values())
        soonest: float | None = None
        still: list[Claimed] = []
        for claimed in self.waiting:
            chat_id = claimed.item.chat_id
            if chat_id in blocked or len(self.running) >= CONCURRENCY:
                still.append(claimed)
                blocked.add(chat_id)  # keeps the chat's order
                continue
            delay = self.sender.chat_delay(chat_id)
            if delay > 0:
                still.append(claimed)
                blocked.add(chat_id)
                soonest = delay if soonest is None else min(soonest, delay)
                continue
            task = asyncio.ensure_future(self.sender.deliver(claimed))
            self.running[task] = chat_id
            blocked.add(chat_id)
        self.waiting = still
        return soonest

    def _finished(self, task: asyncio.Task[Delivered]) -> list[int]:
        """Count a finished alert; the outbox ids to release when its chat changed."""
        chat_id = self.running.pop(task)
        delivered = task.result()
        self.done += delivered.sent
        if not delivered.chat_changed:
            return []
        dropped = [c.item.id for c in self.waiting if c.item.chat_id == chat_id]
        self.waiting = [c for c in self.waiting if c.item.chat_id != chat_id]
        return dropped

    # --- the pass ------------------------------------------------------------------------

    async def run(self) -> int:
        """Deliver until nothing is due (or flood control pauses); returns alerts completed."""
        waker: asyncio.Task[bool] | None = None
        try:
            while True:
                soonest = None
                if not self.sender.paused():
                    self._undefer()
                    soonest = self._start_ready()
                    wanted = not self.exhausted or self.wake.is_set()
                    if wanted and len(self.running) < CONCURRENCY and len(self.waiting) < WAITING_CAP:
                        await self._claim()
                        continue
                elif not self.running:
                    break
                if not self.running and not self.waiting and not self.wake.is_set():
                    break  # nothing is left, and nothing awaited can change that
                awaited: set[asyncio.Future[object]] = set(self.running)
                if not self.wake.is_set():  # once set, the next free slot claims
                    if waker is None or waker.done():
                        waker = asyncio.ensure_future(self.wake.wait())
                    awaited.add(waker)
                if not awaited:  # every claimed alert waits on its chat's limit
                    await asyncio.sleep(soonest or 0)
                    continue
                finished, _ = await asyncio.wait(awaited, timeout=soonest, return_when=asyncio.FIRST_COMPLETED)
                released = [i for task in finished if task in self.running for i in self._finished(task)]
                if released:
                    await asyncio.to_thread(outbox_store.release_claims, self.db, released)
        except asyncio.CancelledError:  # the bot is stopping: sends in flight stop with it
            for task in self.running:
                task.cancel()
            raise
        finally:
            if waker is not None:
                waker.cancel()
            await self._stop()
        return self.done

    async def _stop(self) -> None:
        """Leaving (done, flood control, an error, the bot stopping): sends in flight are
        awaited, so each is recorded as Telegram answered it; what was not started is free again."""
        outcomes = await asyncio.gather(*self.running, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                log.error("alert delivery failed: %s: %s", type(outcome).__name__, outcome)
        unsent = [c.item.id for c in self.waiting]
        self.running, self.waiting = {}, []
        if unsent:
            await asyncio.to_thread(outbox_store.release_claims, self.db, unsent)
