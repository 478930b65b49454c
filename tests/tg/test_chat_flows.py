"""Chat flows end to end (PTB ↔ the Bot API double): /unsubscribe under all, /filters,
/keywords, messages the bot does not act on, joining groups, channels and forum topics,
and administrators' details kept out of groups."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from bot.storage import chats as chat_store
from bot.storage import subscriptions as subscription_store
from tests.tg.botapi_double import BOT_USER, Sent
from tests.tg.conftest import ADMIN, RunningBot, until
from tests.tg.factories import add_account, add_statement, rss

USER = 1001
GROUP = -4001
THREAT = "We reserve the right to retaliate against any attack, with full force."
THREAT_IT = "Risponderemo con la massima fermezza a qualsiasi attacco e ci riserviamo il diritto di reagire."


def buttons(bot: RunningBot, chat_id: int, method: str = "sendMessage") -> list[tuple[str, str]]:
    markup = bot.api.last(chat_id, method).reply_markup or {"inline_keyboard": []}
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


async def press(bot: RunningBot, chat_id: int, data: str, *, user_id: int | None = None) -> str:
    """Tap a button of the last keyboard; the redrawn text."""
    before = len(bot.api.calls_of("editMessageText")) + len(bot.api.texts(chat_id))
    keyboard = [s for s in bot.api.sent if s.chat_id == chat_id and s.reply_markup][-1]
    bot.api.press(chat_id, keyboard, data, user_id=user_id)
    await until(lambda: len(bot.api.calls_of("editMessageText")) + len(bot.api.texts(chat_id)) > before)
    return [s for s in bot.api.sent if s.chat_id == chat_id][-1].text


async def test_unsubscribe_under_all_leaves_the_account_out_until_subscribe_brings_it_back(
    running_bot: RunningBot, feed_server
):
    bot, api = running_bot, running_bot.api
    await bot.say(USER, "/subscribe")
    left_out = await bot.say(USER, "/unsubscribe tajani")
    assert "no longer get alerts about Antonio Tajani" in left_out
    assert "You follow: all watched accounts, except Antonio Tajani (<code>tajani</code>)." in left_out
    assert "/subscribe tajani" in left_out
    assert "✗ <code>tajani</code>" in await bot.say(USER, "/accounts")

    await asyncio.sleep(1.1)  # feeds date items to the second
    now = datetime.now(UTC)
    feed_server.set("/tajani.xml", rss([("t-1", THREAT_IT, now)]))
    feed_server.set("/rubio.xml", rss([("r-1", THREAT, now)]))
    await until(lambda: any("Marco Rubio" in t for t in api.texts(USER)))
    await asyncio.sleep(3)  # more polls: Tajani's statement must still not come
    assert not any("Antonio Tajani</b> —" in t for t in api.texts(USER))

    back = await bot.say(USER, "/subscribe tajani")
    assert "You follow Antonio Tajani (<code>tajani</code>) again" in back and "except" not in back
    await asyncio.sleep(1.1)
    feed_server.set("/tajani.xml", rss([("t-1", THREAT_IT, now), ("t-2", THREAT_IT + " Oggi.", datetime.now(UTC))]))
    await until(lambda: any("Antonio Tajani</b> —" in t for t in api.texts(USER)))


async def test_filters_buttons_are_distinct_paginated_in_percent_with_language_names(running_bot: RunningBot):
    bot = running_bot
    for country, name in [("IN", "India"), ("PK", "Pakistan"), ("BD", "Bangladesh"), ("LK", "Sri Lanka")]:
        add_account(bot.db, f"mfa_{country.lower()}", f"Ministry of Foreign Affairs of {name}", "", country)
    for n in range(6):
        add_account(bot.db, f"zenvoy{n}", f"Special Envoy {n}", "", "US")
    add_statement(bot.db, "ہم جواب دینے کا حق محفوظ رکھتے ہیں", account_id="mfa_pk", lang="ur")
    await bot.say(USER, "/subscribe")
    summary = await bot.say(USER, "/filters")
    assert "Minimum strength: 0%" in summary
    first = buttons(bot, USER)
    accounts = [label for label, data in first if data.startswith("f:a:")]
    assert len(accounts) == 8 and len(set(accounts)) == 8  # a page of eight, all different
    assert all(len(label) <= 35 for label in accounts)  # tick, space, 32
    assert any("Pakistan" in label for label in accounts) and any("India" in label for label in accounts)
    assert ("1/2", f"f:p:0:{USER}:") in first
    assert "≥ 40%" in [label for label, _ in first]
    languages = {label.split(" ", 1)[1]: data for label, data in first if data.startswith("f:g:")}
    assert {"English", "Italian", "Urdu"} <= languages.keys()  # hints, plus a language only seen in statements

    second_page = await press(bot, USER, f"f:p:1:{USER}:")
    assert "Alert filters" in second_page
    page_two = [label for label, data in buttons(bot, USER, "editMessageText") if data.startswith("f:a:")]
    assert len(page_two) == 4 and not set(page_two) & set(accounts)
    assert "Languages: Urdu" in await press(bot, USER, languages["Urdu"])
    assert "Minimum strength: 60%" in await press(bot, USER, f"f:s:1:{USER}:0.6")
    chat = chat_store.get_chat(bot.db, USER)
    assert chat is not None and chat.languages == {"ur"} and chat.min_strength == 0.6


async def test_group_members_see_the_filters_and_only_administrators_change_them(running_bot: RunningBot):
    bot = running_bot
    bot.api.members[(GROUP, 11)] = "administrator"
    await bot.say(GROUP, "/subscribe", user_id=11, chat_type="supergroup")
    shown = await bot.say(GROUP, "/filters", user_id=12, chat_type="supergroup")
    assert "Labels: escalation, de-escalation" in shown and "Only this group's administrators" in shown
    assert buttons(bot, GROUP) == []
    await bot.say(GROUP, "/filters", user_id=11, chat_type="supergroup")
    assert "⛔" in await press(bot, GROUP, f"f:l:0:{GROUP}:neutral", user_id=12)
    assert "neutral" not in chat_store.get_chat(bot.db, GROUP).labels
    await press(bot, GROUP, f"f:l:0:{GROUP}:neutral", user_id=11)
    assert "neutral" in chat_store.get_chat(bot.db, GROUP).labels


async def test_keywords_are_added_listed_shown_in_filters_and_removed(running_bot: RunningBot):
    bot = running_bot
    saved = await bot.say(USER, '/keywords add ceasefire, "line of control", -cricket')
    assert "only with “ceasefire”, “line of control” · never with “cricket”" in saved
    chat = chat_store.get_chat(bot.db, USER)
    assert chat.keywords_include == ("ceasefire", "line of control") and chat.keywords_exclude == ("cricket",)
    assert "/keywords add" in await bot.say(USER, "/keywords")
    assert "only with “ceasefire” ·" in await bot.say(USER, "/keywords remove Line of Control")
    assert "Usage" in await bot.say(USER, "/keywords frobnicate")

    assert "Keywords: only with “ceasefire” · never with “cricket”" in await bot.say(USER, "/filters")
    removal = next(data for label, data in buttons(bot, USER) if label == "✖ -cricket")
    assert "never with none" in await press(bot, USER, removal)
    assert "only with none" in await bot.say(USER, "/keywords clear")


async def test_silent_mode_is_set_by_command_and_button(running_bot: RunningBot):
    bot = running_bot
    assert "/silent on" in await bot.say(USER, "/silent")
    assert "without a sound" in await bot.say(USER, "/silent on")
    assert chat_store.get_chat(bot.db, USER).silent
    assert "Notifications: silent" in await bot.say(USER, "/filters")
    assert "Notifications: with sound" in await press(bot, USER, f"f:q:0:{USER}:")
    assert not chat_store.get_chat(bot.db, USER).silent


async def test_text_long_messages_and_photos_in_private_get_a_helpful_reply(running_bot: RunningBot):
    api = running_bot.api
    for message, expected in [
        ({"text": "hello?"}, "I don't read messages"),
        ({"text": "word " * 900}, "I don't read messages"),
        ({"text": "please follow tajani"}, "<code>/subscribe tajani</code>"),
        ({"photo": True}, "can't read photos"),
    ]:
        before = len(api.texts(USER))
        api.message(USER, **message)
        [answer] = await until(lambda before=before: api.texts(USER)[before:])
        assert expected in answer and "/help" in answer


async def test_a_group_that_adds_the_bot_is_greeted_and_one_that_removes_it_is_left(running_bot: RunningBot):
    bot, api = running_bot, running_bot.api
    api.my_chat_member(GROUP, "member", chat_type="supergroup")
    [greeting] = await until(lambda: api.texts(GROUP))
    assert "Hello, Crisis desk!" in greeting and "/subscribe" in greeting and "topic" in greeting
    api.my_chat_member(GROUP, "left", old_status="member", chat_type="supergroup")
    await until(lambda: not chat_store.get_chat(bot.db, GROUP).active)


async def test_a_channel_is_set_up_from_a_private_chat_and_gets_its_own_settings(running_bot: RunningBot):
    bot, api = running_bot, running_bot.api
    channel = -1007
    api.add_channel(channel, "crisisdesk", "Crisis Desk")
    api.members[(channel, BOT_USER["id"])] = "administrator"
    api.my_chat_member(channel, "administrator", chat_type="channel", title="Crisis Desk", user_id=USER)
    [told] = await until(lambda: api.texts(USER))
    assert "<code>/channel @crisisdesk</code>" in told
    assert api.texts(channel) == []  # nothing posted in the channel itself

    assert "Only administrators of @crisisdesk" in await bot.say(USER, "/channel @crisisdesk")
    api.members[(channel, USER)] = "creator"
    assert "I can't see the channel @nowhere" in await bot.say(USER, "/channel @nowhere")
    linked = await bot.say(USER, "/channel https://t.me/crisisdesk")
    assert "now set up the channel <b>Crisis Desk</b>" in linked
    answer = await bot.say(USER, "/subscribe rubio")
    assert answer.startswith("📢 <b>Crisis Desk</b>:") and "Marco Rubio" in answer
    assert [s.target for s in subscription_store.subscriptions(bot.db, channel)] == ["rubio"]
    assert subscription_store.subscriptions(bot.db, USER) == []
    await bot.say(USER, "/silent on")
    assert chat_store.get_chat(bot.db, channel).silent and not chat_store.get_chat(bot.db, USER).silent
    assert "Crisis Desk" in await bot.say(USER, "/channel")
    await bot.say(USER, "/channel off")
    assert "You follow: nothing." in await bot.say(USER, "/unsubscribe rubio")

    api.add_channel(-1008, "elsewhere", "Elsewhere")
    assert "not an administrator allowed to post" in await bot.say(USER, "/channel @elsewhere")
    assert "private chat with me" in await bot.say(GROUP, "/channel @crisisdesk", chat_type="supergroup")


async def tap(bot: RunningBot, message: Sent, data: str) -> dict[str, Any]:
    """Tap a button under a given (possibly old) message; the callback's answer."""
    before = len(bot.api.calls_of("answerCallbackQuery"))
    bot.api.press(USER, message, data)
    return (await until(lambda: bot.api.calls_of("answerCallbackQuery")[before:]))[0]


async def test_an_old_filters_keyboard_changes_the_chat_it_was_drawn_for_after_a_channel_switch(
    running_bot: RunningBot,
):
    bot, api = running_bot, running_bot.api
    channel = -1007
    await bot.link_channel(USER, channel, "crisisdesk", "Crisis Desk")
    assert (await bot.say(USER, "/filters")).startswith("📢 <b>Crisis Desk</b>:")
    channel_keyboard = api.last(USER)
    neutral = next(data for label, data in buttons(bot, USER) if "neutral" in label)
    assert neutral == f"f:l:0:{channel}:neutral"
    assert all(len(data.encode()) <= 64 for _, data in buttons(bot, USER))
    await bot.say(USER, "/channel off")  # the private chat's own settings are current again

    await tap(bot, channel_keyboard, neutral)
    assert "neutral" in chat_store.get_chat(bot.db, channel).labels
    assert "neutral" not in chat_store.get_chat(bot.db, USER).labels

    api.members[(channel, USER)] = "member"  # no longer administers the channel: checked on each tap
    await tap(bot, channel_keyboard, neutral)
    assert any("⛔" in t for t in api.texts(USER)[-1:])
    assert "neutral" in chat_store.get_chat(bot.db, channel).labels

    await bot.say(2002, "/start")
    for data in (f"f:l:0:{2002}:neutral", "f:l:0:neutral"):  # another person's chat; a keyboard without its chat
        answer = await tap(bot, channel_keyboard, data)
        assert answer.get("text") == "This keyboard is out of date: send /filters again.", answer
    assert "neutral" not in chat_store.get_chat(bot.db, 2002).labels
    assert "neutral" not in chat_store.get_chat(bot.db, USER).labels


async def test_subscribe_in_a_forum_topic_sends_alerts_there(running_bot: RunningBot, feed_server):
    bot, api = running_bot, running_bot.api
    forum = -100777
    api.topics[forum] = {42}
    api.members[(forum, 11)] = "administrator"
    before = len(api.texts(forum))
    api.command(forum, "/subscribe rubio", user_id=11, chat_type="supergroup", thread_id=42)
    await until(lambda: api.texts(forum)[before:])
    answer = api.last(forum)
    assert answer.thread_id == 42 and "come to this topic" in answer.text
    assert chat_store.get_chat(bot.db, forum).thread_id == 42
    await asyncio.sleep(1.1)
    feed_server.set("/rubio.xml", rss([("r-1", THREAT, datetime.now(UTC))]))
    alert = await until(lambda: [s for s in api.sent if s.chat_id == forum and "Marco Rubio</b>" in s.text])
    assert alert[0].thread_id == 42 and not alert[0].silent


async def test_watch_list_and_status_in_a_group_keep_feed_addresses_private(running_bot: RunningBot):
    bot, api = running_bot, running_bot.api
    for command, summary in [("/watch list", "2 accounts, 2 sources"), ("/status", "Sources (2)")]:
        before = len(api.texts(ADMIN))
        public = await bot.say(GROUP, command, user_id=ADMIN, chat_type="supergroup")
        assert summary in public and "in our private chat" in public and "http" not in public
        [private] = await until(lambda before=before: api.texts(ADMIN)[before:])
        assert "http://127.0.0.1" in private
    api.blocked.add(ADMIN)
    public = await bot.say(GROUP, "/watch list", user_id=ADMIN, chat_type="supergroup")
    assert "press Start" in public and "@ladderwatch_test_bot" in public and "http" not in public


async def test_help_has_a_one_line_legend_for_strength_and_the_tension_index(running_bot: RunningBot):
    english = await running_bot.say(USER, "/help")
    assert "Strength (0–100%)" in english and "Tension index" in english and "/keywords" in english
    italian = await running_bot.say(2002, "/help", language_code="it")
    assert "Intensità (0–100%)" in italian and "Indice di tensione" in italian
