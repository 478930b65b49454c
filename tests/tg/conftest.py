"""Fixtures for the Telegram layer: the Bot API double, settings, and the bot running in-process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings, load_settings
from bot.storage.db import Database
from bot.tg.app import serve
from tests.support.feed_server import FeedServer
from tests.support.libretranslate import LibreTranslateDouble
from tests.tg.botapi_double import BOT_USER, BotApiDouble

ADMIN = 777


async def until(condition: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Wait without blocking the event loop (the bot runs on it) until `condition()` is truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.05)


@pytest.fixture
def api() -> Iterator[BotApiDouble]:
    with BotApiDouble() as double:
        yield double


def watchlist(feeds: FeedServer) -> str:
    return f"""accounts:
  - id: rubio
    name: Marco Rubio
    role: US Secretary of State
    country: US
    languages: [en]
    sources:
      - rss: {feeds.url("/rubio.xml")}
  - id: tajani
    name: Antonio Tajani
    role: Foreign Minister of Italy
    country: IT
    languages: [it]
    sources:
      - rss: {feeds.url("/tajani.xml")}
"""


def bot_settings(folder: Path, api: BotApiDouble, feeds: FeedServer, libre: LibreTranslateDouble) -> Settings:
    """Settings for a bot against the doubles; polls every 2 s (below the production minimum)."""
    config = folder / "config"
    config.mkdir(exist_ok=True)
    (config / "watchlist.yaml").write_text(watchlist(feeds), encoding="utf-8")
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.url,
            "DATABASE_URL": f"sqlite:///{folder / 'ladderwatch.sqlite3'}",
            "LADDERWATCH_CONFIG": str(config),
            "LADDERWATCH_ADMINS": str(ADMIN),
            "LADDERWATCH_TRANSLATOR": "libre",
            "LIBRETRANSLATE_URL": libre.url,
            "LIBRETRANSLATE_API_KEY": "test",
            "LADDERWATCH_ALLOW_PRIVATE_URLS": "1",
        },
        env_file=None,
    )
    return replace(settings, poll_seconds=2)


@pytest.fixture
def settings(tmp_path, api, feed_server, libretranslate_server) -> Settings:
    feed_server.set("/rubio.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>r</title></channel></rss>')
    feed_server.set("/tajani.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>')
    return bot_settings(tmp_path, api, feed_server, libretranslate_server)


@dataclass
class RunningBot:
    settings: Settings
    api: BotApiDouble
    db: Database

    async def say(self, chat_id: int, command: str, **options: Any) -> str:
        """Send a command and wait for the bot's next message in that chat; its text."""
        before = len(self.api.texts(chat_id))
        self.api.command(chat_id, command, **options)
        texts = await until(lambda: self.api.texts(chat_id)[before:])
        return texts[0]

    async def link_channel(self, user_id: int, channel: int, username: str, title: str) -> str:
        """A channel the bot may post in and `user_id` created, set up from the user's
        private chat (`/channel @username`); the bot's answer."""
        self.api.add_channel(channel, username, title)
        self.api.members[(channel, BOT_USER["id"])] = "administrator"
        self.api.members[(channel, user_id)] = "creator"
        return await self.say(user_id, f"/channel @{username}")


@pytest.fixture
async def running_bot(settings: Settings, api: BotApiDouble) -> AsyncIterator[RunningBot]:
    """`serve()` as `ladderwatch run` runs it, stopped (as by SIGTERM) after the test."""
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, None, stop))
    await until(lambda: task.done() or api.calls_of("getUpdates"))
    if task.done():
        task.result()
    db = Database(settings.database_url)
    try:
        yield RunningBot(settings, api, db)
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        db.close()
