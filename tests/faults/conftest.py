"""The bot fixtures of tests/tg, with a realistic poll interval so a spin would show."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from telegram.ext import Application

from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.tg.app import build_application
from tests.faults.hostile import GOOD_FEED
from tests.tg.conftest import api, bot_settings, classifier_loaded_once, running_bot  # noqa: F401

POLL_SECONDS = 600


@pytest.fixture
def settings(tmp_path, api, feed_server, libretranslate_server) -> Settings:  # noqa: F811
    feed_server.set("/rubio.xml", GOOD_FEED)
    feed_server.set("/tajani.xml", GOOD_FEED)
    return replace(bot_settings(tmp_path, api, feed_server, libretranslate_server), poll_seconds=POLL_SECONDS)


@pytest.fixture
async def application(settings: Settings) -> AsyncIterator[Application]:
    """The bot's Application with its job queue running, but no polling for updates."""
    pipeline = await Pipeline.open(settings)
    app = build_application(settings, pipeline)
    try:
        async with app:
            assert app.job_queue is not None
            await app.job_queue.start()
            yield app
            await app.job_queue.stop(wait=False)
    finally:
        await pipeline.close()
