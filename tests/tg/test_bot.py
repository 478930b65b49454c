"""The bot end to end, in-process: PTB talks HTTP to the Bot API double, the pipeline reads
loopback feeds and translates through the LibreTranslate double."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.storage import accounts as account_store
from bot.storage import chats as chat_store
from bot.storage import subscriptions as subscription_store
from bot.storage.tables import AccountRow, SourceRow, StatementRow
from bot.tg.app import serve
from tests.tg.conftest import ADMIN, RunningBot, until
from tests.tg.factories import rss

USER = 1001
ESCALATION = "We will respond with full force to any attack and we reserve the right to retaliate."
DEESCALATION_IT = (
    "L'Italia accoglie con favore il cessate il fuoco e invita entrambe le parti alla moderazione e al dialogo."
)
NEUTRAL = "The minister met the trade delegation to discuss tourism and cultural exchanges."
BACKLOG = "Any attack will be met with a firm and decisive military response, we warn."


def statement_count(bot: RunningBot) -> int:
    with bot.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(StatementRow)) or 0)


async def test_subscriber_gets_new_escalation_and_deescalation_but_not_neutral_or_backlog(
    running_bot: RunningBot, feed_server
):
    bot, api = running_bot, running_bot.api
    old = datetime.now(UTC) - timedelta(hours=3)
    feed_server.set("/rubio.xml", rss([("r-old", BACKLOG, old)]))
    await until(lambda: statement_count(bot) == 1)  # the backlog is stored, not alerted

    assert "Hello Ada" in await bot.say(USER, "/start")
    reply = await bot.say(USER, "/subscribe")
    assert "all watched accounts" in reply and "/digest" in reply

    await asyncio.sleep(1.1)  # feeds date items to the second
    now = datetime.now(UTC)
    feed_server.set("/rubio.xml", rss([("r-old", BACKLOG, old), ("r-1", ESCALATION, now), ("r-2", NEUTRAL, now)]))
    feed_server.set("/tajani.xml", rss([("t-1", DEESCALATION_IT, now)]))
    alerts = await until(lambda: api.texts(USER)[2:] if len(api.texts(USER)) >= 4 else None, timeout=20)
    await asyncio.sleep(3)  # more polls happen: nothing else may arrive
    assert len(api.texts(USER)) == 4
    escalation = next(a for a in alerts if "🔺" in a)
    assert "ESCALATION" in escalation and "Marco Rubio" in escalation and "retaliate" in escalation
    assert "https://example.org/r-1" in escalation
    deescalation = next(a for a in alerts if "🕊" in a)
    assert "Antonio Tajani" in deescalation and "Machine translation into English by LibreTranslate:" in deescalation
    assert "website (127.0.0.1) · Italian" in deescalation
    assert "[en] L&#x27;Italia" in deescalation or "[en] L'Italia" in deescalation
    assert not any(NEUTRAL in a or "decisive military" in a for a in api.texts(USER))

    digest_text = await bot.say(USER, "/digest")
    assert digest_text
    photo = await until(lambda: api.photos(USER))
    assert photo[0].startswith(b"\x89PNG")


async def test_commands_are_registered_in_english_and_italian(running_bot: RunningBot):
    menus = running_bot.api.calls_of("setMyCommands")
    languages = {menu.get("language_code") for menu in menus}
    assert {None, "it"} <= languages
    english = next(m for m in menus if not m.get("language_code") and not m.get("scope"))
    assert '"subscribe"' in english["commands"] and '"watch"' not in english["commands"]


async def test_italian_user_gets_italian_texts_and_can_switch(running_bot: RunningBot):
    bot = running_bot
    assert "Ciao Lucia" in await bot.say(2002, "/start", language_code="it-IT", first_name="Lucia")
    assert "Segui già" not in await bot.say(2002, "/subscribe IT")
    assert "From now on I write in English" in await bot.say(2002, "/language en")
    assert "Unknown" not in await bot.say(2002, "/language xx")
    chat = chat_store.get_chat(bot.db, 2002)
    assert chat is not None and chat.language == "en"


async def test_non_admin_cannot_change_the_watchlist_but_an_admin_can(running_bot: RunningBot, feed_server):
    bot = running_bot
    refusal = await bot.say(USER, "/watch add sharif Shehbaz Sharif rss:http://127.0.0.1:1/x.xml")
    assert "only for the bot's administrators" in refusal and str(USER) in refusal
    assert "only for the bot's administrators" in await bot.say(USER, "/status")
    with bot.db.session() as session:
        assert session.get(AccountRow, "sharif") is None

    feed_server.set("/sharif.xml", rss([("s-1", BACKLOG, datetime.now(UTC) - timedelta(days=1))]))
    added = await bot.say(ADMIN, f"/watch add sharif Shehbaz Sharif {feed_server.url('/sharif.xml')}")
    assert "Shehbaz Sharif" in added
    await until(lambda: feed_server.hits("/sharif.xml"))  # polled right away
    assert "sharif" in await bot.say(ADMIN, "/watch list")
    bot.api.command(ADMIN, "/watch export")
    opml = await until(lambda: [s for s in bot.api.sent if s.method == "sendDocument"])
    assert b"Shehbaz Sharif" in opml[0].upload
    assert "Shehbaz Sharif" in await bot.say(ADMIN, "/status")
    assert "sharif" in await bot.say(ADMIN, "/watch remove sharif")
    assert "No watched account" in await bot.say(ADMIN, "/watch remove sharif")
    assert "at least one source" in await bot.say(ADMIN, "/watch add x")
    assert "Usage" in await bot.say(ADMIN, "/watch frobnicate")


async def test_in_groups_only_administrators_change_settings(running_bot: RunningBot):
    bot, group = running_bot, -4001
    bot.api.members[(group, 11)] = "administrator"
    refused = await bot.say(group, "/subscribe@ladderwatch_test_bot", user_id=12, chat_type="group")
    assert "Only this group's administrators" in refused
    assert subscription_store.subscriptions(bot.db, group) == []
    assert "You now follow" in await bot.say(group, "/subscribe", user_id=11, chat_type="group")
    assert len(subscription_store.subscriptions(bot.db, group)) == 1
    assert "Watched accounts" in await bot.say(group, "/accounts", user_id=12, chat_type="group")


async def test_bad_input_gets_usage_not_silence(running_bot: RunningBot):
    bot = running_bot
    assert "I don't know “narnia”" in await bot.say(USER, "/subscribe narnia")
    assert "HH:MM" in await bot.say(USER, "/digesttime 25:99")
    assert "not a timezone I know" in await bot.say(USER, "/timezone Mars/Olympus")
    assert "Asia/Kolkata" in await bot.say(USER, "/timezone asia/kolkata")
    assert "/help" in await bot.say(USER, "/frobnicate")
    assert "/watch" not in await bot.say(USER, "/help")
    assert "/watch" in await bot.say(ADMIN, "/help")


async def test_commands_without_the_bot_command_entity_still_work(running_bot: RunningBot):
    bot = running_bot
    assert "Hello Ada" in await bot.say(USER, "/start", entities=False)
    assert "every account of country IT" in await bot.say(USER, "/subscribe@ladderwatch_test_bot IT", entities=False)
    assert "/help" in await bot.say(USER, "/nonsense", entities=False)
    bot.api.command(-4001, "/subscribe@other_bot", chat_type="group", entities=False)
    await asyncio.sleep(0.5)
    assert bot.api.texts(-4001) == []


async def test_an_opml_document_sent_by_an_admin_is_imported_and_polled(running_bot: RunningBot, feed_server):
    bot = running_bot
    feed_server.set("/mea.xml", rss([("m-1", BACKLOG, datetime.now(UTC) - timedelta(days=1))]))
    opml = f"""<?xml version="1.0"?><opml version="2.0"><head><title>feeds</title></head><body>
    <outline text="MEA India" title="MEA India" type="rss" xmlUrl="{feed_server.url("/mea.xml")}"/>
    </body></opml>""".encode()

    before = len(bot.api.texts(USER))
    bot.api.send_document(USER, "feeds.opml", opml)
    refusal = await until(lambda: bot.api.texts(USER)[before:])
    assert "only for the bot's administrators" in refusal[0]

    before = len(bot.api.texts(ADMIN))
    bot.api.send_document(ADMIN, "feeds.opml", opml)
    [reply] = await until(lambda: bot.api.texts(ADMIN)[before:])
    assert "feeds.opml" in reply and "added" in reply and "MEA India" in reply
    await until(lambda: feed_server.hits("/mea.xml"))  # polled right away
    assert "Nothing imported" in await _send_and_wait(bot, ADMIN, "broken.opml", b"<opml><body>")


async def test_a_watchlist_document_with_an_unknown_language_is_refused_saying_why(running_bot: RunningBot):
    document = b"accounts:\n  - id: kallas\n    name: Kallas\n    languages: [xx]\n    sources: [{x: kajakallas}]\n"
    reply = await _send_and_wait(running_bot, ADMIN, "mine.yaml", document)
    assert "Nothing imported" in reply
    assert "mine.yaml:4: account kallas: languages: 'xx' is not a language code" in reply
    assert "use one of af, ar," in reply
    assert "kallas" not in {a.id for a in account_store.list_accounts(running_bot.db)}


async def _send_and_wait(bot: RunningBot, chat_id: int, name: str, content: bytes) -> str:
    before = len(bot.api.texts(chat_id))
    bot.api.send_document(chat_id, name, content)
    return (await until(lambda: bot.api.texts(chat_id)[before:]))[0]


async def test_status_shows_a_source_just_fetched_with_no_items_as_empty_not_stale(running_bot: RunningBot):
    bot = running_bot

    def polled() -> int:  # the fixture's feeds are empty channels
        with bot.db.session() as session:
            return session.scalar(select(func.count()).where(SourceRow.last_success_at.is_not(None))) or 0

    await until(polled)
    status = await bot.say(ADMIN, "/status")
    assert "answers, but no items yet" in status and "stale" not in status
    assert "sources answered in the last 24 h" in status  # the coverage line (issue 10)


async def test_status_gives_the_x_bridge_advice_once_for_all_x_sources(running_bot: RunningBot):
    bot = running_bot
    await bot.say(ADMIN, "/watch add kallas Kaja Kallas x:kajakallas")
    await bot.say(ADMIN, "/watch add araghchi Abbas Araghchi x:araghchi x:IRIMFA_EN")
    status = await bot.say(ADMIN, "/status")
    assert status.count("read through an RSS bridge") == 1
    assert status.count("unconfigured (see above)") == 3
    assert "needs an RSS bridge" not in status


async def test_x_sources_without_a_bridge_are_never_fetched_and_the_advice_is_logged_once(
    running_bot: RunningBot, caplog
):
    bot = running_bot
    caplog.set_level(logging.WARNING)
    await bot.say(ADMIN, "/watch add kallas Kaja Kallas x:kajakallas")

    def fetched_rss() -> int:
        with bot.db.session() as session:
            return session.scalar(select(func.count()).where(SourceRow.last_fetch_at.is_not(None))) or 0

    await until(fetched_rss)
    await asyncio.sleep(2)  # /watch add polls new sources at once: the X one must still not be tried
    with bot.db.session() as session:
        x_source = session.scalars(select(SourceRow).where(SourceRow.kind == "x")).one()
    assert x_source.last_fetch_at is None and x_source.consecutive_errors == 0
    status = await bot.say(ADMIN, "/status")
    line = status.split("x:kajakallas — unconfigured (see above)", 1)[1].split("\n")[:2]
    assert not any("errors" in part or "next poll" in part for part in line)  # never polled: no poll details
    assert "needs an RSS bridge" not in caplog.text  # no per-source failure line


async def test_the_bridge_advice_is_logged_once_at_start_up(settings, api, caplog, tmp_path):
    settings.watchlist_path.write_text(
        "accounts:\n  - id: kallas\n    name: Kaja Kallas\n    sources:\n      - x: kajakallas\n      - x: eu_eeas\n"
    )
    caplog.set_level(logging.WARNING)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, None, stop))
    try:
        await until(lambda: "read through an RSS bridge" in caplog.text)
        await asyncio.sleep(3)  # the first polls run within ~2 s of start-up
    finally:
        stop.set()
        await task
    assert caplog.text.count("read through an RSS bridge") == 1
    assert "1 of 1 accounts have only X sources" in caplog.text
    assert "needs an RSS bridge" not in caplog.text


async def test_feed_credentials_are_shown_as_stars_in_telegram(running_bot: RunningBot, feed_server):
    """Before: /watch list, /status (its error line), /watch export and a refused /watch add
    showed a feed's password and token to whoever read the chat."""
    bot = running_bot
    port = feed_server.url("/").split(":")[2].rstrip("/")
    gone = f"http://reader:s3cret@127.0.0.1:{port}/gone.xml?token=t0ken1"
    assert "Ministry" in await bot.say(ADMIN, f"/watch add mofa Ministry {gone}")

    def failed() -> int:
        with bot.db.session() as session:
            return session.scalar(select(func.count()).where(SourceRow.consecutive_errors > 0)) or 0

    await until(failed)
    shown = [await bot.say(ADMIN, "/watch list"), await bot.say(ADMIN, "/status")]
    shown.append(await bot.say(ADMIN, "/watch add bad Bad https://u:pw@host/feed?key=k3y9 x:@@"))
    bot.api.command(ADMIN, "/watch export")
    [document] = await until(lambda: [s for s in bot.api.sent if s.method == "sendDocument"])
    shown.append(document.upload.decode())
    assert "reader:***@" in shown[0] and "token=***" in shown[1] and "404" in shown[1]
    assert "reader:***@" in shown[3]
    for text in shown:
        assert not any(secret in text for secret in ("s3cret", "t0ken1", "k3y9")), text
