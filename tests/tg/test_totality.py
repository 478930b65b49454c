"""Totality and honesty from a user's seat: unreadable updates, unknown buttons, chats that
move, and Bot API answers that are not what a happy path expects."""

from __future__ import annotations

import asyncio
import logging

from tests.tg.conftest import RunningBot, until

USER = 1001
GROUP = -4001
BAD_GATEWAY = (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})


async def test_an_update_the_library_cannot_read_is_skipped_and_the_next_one_is_answered(
    running_bot: RunningBot, caplog
):
    running_bot.api.raw({"message": "garbage"})
    assert "Hello" in await running_bot.say(USER, "/start")
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]


async def test_get_updates_answers_that_are_not_updates_are_retried_with_back_off(running_bot: RunningBot, caplog):
    bot, api = running_bot, running_bot.api
    for answer in [(200, {"ok": True, "result": "garbage"}), (200, {"ok": True}), BAD_GATEWAY]:
        before = len(api.calls_of("getUpdates"))
        api.updates_answer = answer
        await asyncio.sleep(2)
        api.updates_answer = None
        assert len(api.calls_of("getUpdates")) - before <= 4, answer  # not a tight loop
    assert "Hello" in await bot.say(USER, "/start")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("telegram")]


async def test_a_button_the_bot_never_drew_is_answered_with_what_to_do(running_bot: RunningBot):
    bot, api = running_bot, running_bot.api
    await bot.say(USER, "/start")
    for data in ("zz:forged", "<b>&", "f"):
        before = len(api.calls_of("answerCallbackQuery"))
        api.press(USER, api.last(USER), data)
        [answer] = await until(lambda before=before: api.calls_of("answerCallbackQuery")[before:])
        assert answer.get("text") == "This keyboard is out of date: send /filters again."
