"""The bot fixtures of tests/tg, with a realistic poll interval so a spin would show."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.settings import Settings
from tests.faults.hostile import GOOD_FEED
from tests.tg.conftest import api, bot_settings, running_bot  # noqa: F401
from tests.tg.test_jobs import application  # noqa: F401

POLL_SECONDS = 600


@pytest.fixture
def settings(tmp_path, api, feed_server, libretranslate_server) -> Settings:  # noqa: F811
    feed_server.set("/rubio.xml", GOOD_FEED)
    feed_server.set("/tajani.xml", GOOD_FEED)
    return replace(bot_settings(tmp_path, api, feed_server, libretranslate_server), poll_seconds=POLL_SECONDS)
