"""Totality and honesty from a user's seat: unreadable updates, unknown buttons, chats that
move, and Bot API answers that are not what a happy path expects."""

from __future__ import annotations

import asyncio
import logging

from bot.storage import chats as chat_store
from bot.storage import subscriptions as subscription_store
from tests.support.logs import with_traceback
from tests.tg.botapi_double import retry_after, server_error
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


async def test_a_group_that_becomes_a_supergroup_keeps_its_settings_and_subscriptions(running_bot: RunningBot):
    bot, api = running_bot, running_bot.api
    supergroup = -100999
    api.members[(GROUP, 11)] = api.members[(supergroup, 11)] = "administrator"
    await bot.say(GROUP, "/subscribe rubio", user_id=11, chat_type="group")
    await bot.say(GROUP, "/digesttime 07:30", user_id=11, chat_type="group")
    await bot.say(GROUP, "/language it", user_id=11, chat_type="group")
    api.migrate(GROUP, supergroup)
    answer = await bot.say(supergroup, "/accounts", user_id=11, chat_type="supergroup")
    assert "✓ <code>rubio</code>" in answer and "Account osservati" in answer  # followed, and in Italian
    moved = chat_store.get_chat(bot.db, supergroup)
    assert moved is not None and moved.digest_time == "07:30" and moved.language == "it"
    assert chat_store.get_chat(bot.db, GROUP) is None
    assert [s.target for s in subscription_store.subscriptions(bot.db, supergroup)] == ["rubio"]


async def test_a_channel_that_removed_the_bot_is_unlinked_and_the_user_told_before_anything_changes(
    running_bot: RunningBot,
):
    bot, api = running_bot, running_bot.api
    channel = -1007
    await bot.link_channel(USER, channel, "crisisdesk", "Crisis <Desk>")
    api.my_chat_member(channel, "left", old_status="administrator", chat_type="channel", title="Crisis <Desk>")
    await until(lambda: not chat_store.get_chat(bot.db, channel).active)
    assert "no longer in the channel <b>Crisis &lt;Desk&gt;</b>" in await bot.say(USER, "/channel")
    assert chat_store.get_chat(bot.db, USER).manages_chat_id is None
    answer = await bot.say(USER, "/subscribe rubio")
    assert answer.startswith("✅") and "Crisis" not in answer  # about this chat, which is now current


async def test_an_anonymous_admin_changes_the_group_and_a_channel_posting_there_does_not(running_bot: RunningBot):
    bot = running_bot
    group = {"id": GROUP, "type": "supergroup", "title": "Crisis desk"}
    anonymous, channel_bot = 1087968824, 136817688  # the senders Telegram shows for these
    answer = await bot.say(GROUP, "/subscribe rubio", user_id=anonymous, chat_type="supergroup", sender_chat=group)
    assert "You now follow Marco Rubio" in answer
    other = {"id": -1007, "type": "channel", "title": "Other"}
    answer = await bot.say(GROUP, "/subscribe tajani", user_id=channel_bot, chat_type="supergroup", sender_chat=other)
    assert "Only this group's administrators" in answer
    assert [s.target for s in subscription_store.subscriptions(bot.db, GROUP)] == ["rubio"]


async def test_a_reply_held_back_by_long_flood_control_is_one_log_line_not_a_traceback(running_bot: RunningBot, caplog):
    bot, api = running_bot, running_bot.api
    await bot.say(USER, "/start")
    api.fail_next(USER, retry_after(120))
    before = len(api.calls_of("sendMessage"))
    api.command(USER, "/help")
    await until(lambda: len(api.calls_of("sendMessage")) > before)
    await until(lambda: any("could not answer" in r.getMessage() for r in caplog.records))
    assert not with_traceback(caplog.records, "bot.")


async def test_a_digest_on_demand_that_telegram_refuses_is_reported_to_the_user_without_a_traceback(
    running_bot: RunningBot, caplog
):
    bot, api = running_bot, running_bot.api
    await bot.say(USER, "/subscribe")
    api.fail_next(USER, *[server_error()] * 4)  # more than the inline retries
    answer = await bot.say(USER, "/digest")
    assert "I could not prepare the digest" in answer and "try again later" in answer
    assert not with_traceback(caplog.records, "bot.")


async def test_keywords_say_when_nothing_was_removed_or_a_keyword_is_too_long(running_bot: RunningBot):
    bot = running_bot
    await bot.say(USER, "/keywords add ceasefire")
    answer = await bot.say(USER, "/keywords remove <b>truce</b>")
    assert "“&lt;b&gt;truce&lt;/b&gt;”: not among this chat's keywords, so nothing changed" in answer
    assert "saved" not in answer
    answer = await bot.say(USER, "/keywords add " + "x" * 5000)
    assert "at most 80 characters; nothing was saved" in answer
    assert chat_store.get_chat(bot.db, USER).keywords_include == ("ceasefire",)
    assert "only with none" in await bot.say(USER, "/keywords remove Ceasefire, truce")  # one of them: removed


async def test_a_filters_button_without_a_chat_is_answered_not_a_traceback(running_bot: RunningBot, caplog):
    api = running_bot.api
    user = {"id": USER, "is_bot": False, "first_name": "Ada"}
    query = {"id": "q2", "from": user, "chat_instance": "1", "data": f"f:l:0:{USER}:neutral", "inline_message_id": "i"}
    api.raw({"callback_query": query})
    [answer] = await until(lambda: api.calls_of("answerCallbackQuery"))
    assert answer.get("text") == "This keyboard is out of date: send /filters again."
    assert not with_traceback(caplog.records)


async def test_a_channel_lookup_telegram_answers_oddly_gets_a_reply_not_a_traceback(running_bot: RunningBot, caplog):
    """Before: getChat without an id (or with one that is no number) ended in a KeyError or
    ValueError traceback in the handler and the user heard nothing; an answer without a
    result was called "not a channel"."""
    bot, api = running_bot, running_bot.api
    await bot.say(USER, "/start")
    unreadable, refused = "could not be read, so nothing was set up. Please try again", "I can't see the channel"
    odd_answers = [
        ((200, {"ok": True, "result": {"type": "channel", "title": "Desk", "username": "crisisdesk"}}), unreadable),
        ((200, {"ok": True, "result": {"id": "desk", "type": "channel", "title": "Desk"}}), unreadable),
        ((200, {"ok": True}), unreadable),
        ((200, b"<html>Bad Gateway</html>"), unreadable),
        ((400, {"ok": False}), refused),  # a 400 all the same: check the name, add the bot
    ]
    for answer, expected in odd_answers:
        api.answers["getChat"] = answer
        reply = await bot.say(USER, "/channel @crisisdesk")
        assert "@crisisdesk" in reply and expected in reply, (answer, reply)
    assert not with_traceback(caplog.records)  # before bot.tg.request, PTB logged the HTML answer's JSONDecodeError
    assert chat_store.get_chat(bot.db, USER).manages_chat_id is None
