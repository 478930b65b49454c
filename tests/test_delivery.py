"""Delivery against the Bot API double: splitting, flood control, blocked and migrated chats,
5xx retries, and a crash mid-delivery with nothing lost or doubled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from telegram.ext import Defaults, ExtBot

from bot.alerts import queue_alerts
from bot.delivery import Delivery
from bot.model import Translation
from bot.render.split import split_html, utf16_units
from bot.storage import chats as chat_store
from bot.storage import subscriptions as subscription_store
from bot.storage.db import Database
from bot.storage.outbox import alert_content
from bot.storage.tables import ChatRow, OutboxRow, SourceRow, SubscriptionRow
from tests.tg.botapi_double import (
    BotApiDouble,
    Failure,
    check_html,
    retry_after,
    server_error,
)
from tests.tg.factories import add_account, add_chat, add_statement, make_db

START = datetime.now(UTC) - timedelta(hours=2)


@pytest.fixture
def api() -> Iterator[BotApiDouble]:
    with BotApiDouble() as double:
        yield double


@pytest.fixture
def db(tmp_path) -> Database:
    database = make_db(tmp_path)
    add_account(database)
    return database


@pytest.fixture
async def bot(api: BotApiDouble) -> AsyncIterator[ExtBot]:
    async with ExtBot(api.token, base_url=api.url, defaults=Defaults(parse_mode="HTML")) as ext_bot:
        yield ext_bot


def queue(db: Database, chat_id: int, count: int = 1, **statement: object) -> list[int]:
    ids = [
        add_statement(
            db,
            f"We reserve the right to respond, warning number {n}.",
            published=START + timedelta(minutes=n),
            **statement,
        )  # type: ignore[arg-type]
        for n in range(1, count + 1)
    ]
    queue_alerts(db, ids, datetime.now(UTC))
    return ids


def make_due(db: Database) -> None:
    with db.session() as session:
        session.execute(update(OutboxRow).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))


def outbox(db: Database) -> list[tuple[int, int, str, int]]:
    with db.session() as session:
        rows = session.execute(
            select(OutboxRow.chat_id, OutboxRow.statement_id, OutboxRow.status, OutboxRow.attempts).order_by(
                OutboxRow.id
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


# --- splitting -----------------------------------------------------------------------------


def test_long_html_is_split_into_valid_parts_under_the_limit():
    line = '<b>Tajani</b> said <a href="https://example.org/a?b=1&amp;c=2">this</a> &amp; more ✌️'
    html = "<blockquote>" + "\n".join(f"{n}: {line}" for n in range(200)) + "</blockquote>"
    parts = split_html(html)
    assert len(parts) > 1
    assert all(utf16_units(part) <= 4096 for part in parts)
    visible = [check_html(part) for part in parts]  # raises if any part is invalid HTML
    assert "".join(visible).replace("\n", "") == check_html(html).replace("\n", "")
    assert all(part.startswith("<blockquote>") and part.endswith("</blockquote>") for part in parts)


def test_a_single_huge_word_is_cut_without_breaking_entities():
    parts = split_html("<i>" + "&amp;" * 3000 + "</i>", limit=1000)
    assert all(utf16_units(p) <= 1000 for p in parts)
    assert sum(check_html(p).count("&") for p in parts) == 3000


def test_short_text_is_one_part_and_empty_text_none():
    assert split_html("<b>hi</b>") == ["<b>hi</b>"]
    assert split_html("<b> </b>") == []


# --- the outbox worker ---------------------------------------------------------------------


async def test_alerts_go_out_oldest_first_once(api, db, bot):
    add_chat(db, 1001, subscribed_at=START)
    ids = queue(db, 1001, count=3)
    delivery = Delivery(bot, db, None)
    assert await delivery.deliver_due() == 3
    assert await delivery.deliver_due() == 0
    texts = api.texts(1001)
    assert [next(n for n in (1, 2, 3) if f"number {n}." in t) for t in texts] == [1, 2, 3]
    assert [row[1:3] for row in outbox(db)] == [(i, "sent") for i in ids]
    assert "🔺 <b>ESCALATION</b>" in texts[0] and "Antonio Tajani" in texts[0]


async def test_retry_after_pauses_delivery_then_resumes(api, db, bot):
    add_chat(db, 1001, subscribed_at=START)
    queue(db, 1001, count=2)
    api.fail_next(1001, retry_after(1))
    delivery = Delivery(bot, db, None)
    assert await delivery.deliver_due() == 0
    assert api.texts(1001) == [] and delivery.paused_until is not None
    assert await delivery.deliver_due() == 0  # still paused: nothing is even tried
    await asyncio.sleep(1.1)
    assert await delivery.deliver_due() == 2
    assert len(api.texts(1001)) == 2
    assert all(attempts == 0 for *_, attempts in outbox(db))  # flood control is not the alert's fault


async def test_server_errors_are_retried_with_backoff(api, db, bot):
    add_chat(db, 1001, subscribed_at=START)
    queue(db, 1001)
    api.fail_next(1001, server_error())
    delivery = Delivery(bot, db, None)
    assert await delivery.deliver_due() == 0
    assert outbox(db)[0][2:] == ("pending", 1)
    assert await delivery.deliver_due() == 0  # not due yet: back-off
    make_due(db)
    assert await delivery.deliver_due() == 1


async def test_a_chat_that_blocked_the_bot_is_deactivated_after_repeated_refusals(api, db, bot):
    add_chat(db, 1001, subscribed_at=START)
    queue(db, 1001, count=2)
    api.blocked.add(1001)
    delivery = Delivery(bot, db, None)
    for _ in range(3):
        make_due(db)
        await delivery.deliver_due()
    chat = chat_store.get_chat(db, 1001)
    assert chat is not None and not chat.active
    assert {status for _, _, status, _ in outbox(db)} == {"failed"}
    later = add_statement(db, "A new threat after the block.", published=datetime.now(UTC))
    assert queue_alerts(db, [later], datetime.now(UTC)) == 0  # inactive chats get nothing new


async def test_a_chat_telegram_no_longer_knows_is_deactivated_like_one_that_blocked_the_bot(api, db, bot):
    add_chat(db, -100, subscribed_at=START, chat_type="supergroup")
    queue(db, -100, count=2)
    api.fail_next(-100, *[Failure(400, "Bad Request: chat not found")] * 3)
    delivery = Delivery(bot, db, None)
    await delivery.deliver_due()
    assert {status for _, _, status, _ in outbox(db)} == {"pending"}  # one refusal: tried again later
    for _ in range(2):
        make_due(db)
        await delivery.deliver_due()
    chat = chat_store.get_chat(db, -100)
    assert chat is not None and not chat.active
    assert {status for _, _, status, _ in outbox(db)} == {"failed"}


async def test_a_migrated_group_moves_with_its_subscriptions_and_gets_the_alert(api, db, bot):
    add_chat(db, -100, subscribed_at=START, chat_type="group")
    queue(db, -100)
    api.moved[-100] = -1009
    assert await Delivery(bot, db, None).deliver_due() == 1
    assert len(api.texts(-1009)) == 1 and api.texts(-100) == []
    with db.session() as session:
        assert session.scalars(select(ChatRow.id)).all() == [-1009]
        assert session.scalars(select(SubscriptionRow.chat_id)).all() == [-1009]
    assert outbox(db)[0][:1] == (-1009,)


async def test_a_too_long_text_arrives_in_valid_parts(api, db, bot):
    add_chat(db, 1001, subscribed_at=START)
    digest = "\n".join(f"<b>{n}</b> — {'escalation ' * 12}" for n in range(120))
    await Delivery(bot, db, None).send_html(1001, digest)
    texts = api.texts(1001)
    assert len(texts) >= 3
    assert "".join(texts).count("escalation") == 120 * 12


class FixedTranslator:
    async def translate(self, text: str, source_lang: str, target_lang: str) -> Translation:
        if target_lang == "it":
            return Translation(f"[it] {text}", source_lang, target_lang, "test")
        return Translation(None, source_lang, target_lang, None, "offline")


async def test_alerts_show_a_translation_or_say_it_is_unavailable(api, db, bot):
    add_chat(db, 1001, subscribed_at=START)
    add_chat(db, 1002, subscribed_at=START, language="it")
    queue(db, 1001, lang="it", translation_en="We reserve the right to respond.")
    delivery = Delivery(bot, db, FixedTranslator())
    await delivery.deliver_due()
    english = api.texts(1001)[0]
    assert "Translation (English):" in english and "We reserve the right to respond." in english
    italian = api.texts(1002)[0]
    assert "ESCALATION" in italian and "intensità" in italian  # statement is Italian: no translation
    queue(db, 1002, lang="fr")
    await delivery.deliver_due()
    assert "Traduzione (italiano):" in api.texts(1002)[-1]


async def test_feed_text_is_escaped(api, db, bot):
    add_chat(db, 1001, subscribed_at=START)
    add_statement(
        db,
        "<script>alert(1)</script> & <b>bold</b>",
        published=START + timedelta(minutes=1),
        url='https://example.org/?a="x"&b=<y>',
    )
    queue_alerts(db, [1], datetime.now(UTC))
    await Delivery(bot, db, None).deliver_due()
    sent = api.texts(1001)[0]
    assert "&lt;script&gt;" in sent and "<script>" not in sent
    check_html(sent)


async def test_a_crash_mid_delivery_loses_nothing_and_sends_nothing_twice(api, db, bot):
    add_chat(db, 1001, subscribed_at=START)
    ids = queue(db, 1001, count=5)
    api.hold_after = 2
    first = asyncio.create_task(Delivery(bot, db, None).deliver_due())
    await asyncio.to_thread(api.wait_for, lambda: api.held)
    first.cancel()  # the process dies while the third request is in flight
    with pytest.raises(asyncio.CancelledError):
        await first
    api.hold_after = None
    api.release()
    async with ExtBot(api.token, base_url=api.url, defaults=Defaults(parse_mode="HTML")) as restarted:
        assert await Delivery(restarted, db, None).deliver_due() == 3
    texts = api.texts(1001)
    assert sorted(next(n for n in range(1, 6) if f"number {n}." in t) for t in texts) == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert [row[2] for row in outbox(db)] == ["sent"] * len(ids)


class BrokenTranslator:
    async def translate(self, text: str, source_lang: str, target_lang: str) -> Translation:
        raise RuntimeError("translator exploded")


async def test_an_alert_that_cannot_be_rendered_does_not_block_the_queue(api, db, bot):
    add_chat(db, 1001, subscribed_at=START)
    queue(db, 1001, lang="fr")  # needs a translation into English: the translator fails
    queue(db, 1001, count=2)  # "warning number 1" again but in English: no translation needed
    assert await Delivery(bot, db, BrokenTranslator()).deliver_due() == 2
    assert [status for _, _, status, _ in outbox(db)] == ["pending", "sent", "sent"]


def test_migrating_into_a_chat_that_already_exists_merges_without_duplicates(db):
    add_chat(db, -100, subscribed_at=START, chat_type="group")
    add_chat(db, -1009, subscribed_at=START, chat_type="supergroup")
    subscription_store.unsubscribe(db, -100, "account", "tajani", START)  # all, except tajani
    [statement] = queue(db, -100)
    chat_store.migrate_chat(db, -100, -1009)
    assert chat_store.get_chat(db, -100) is None
    subs = {(s.kind, s.target) for s in subscription_store.subscriptions(db, -1009)}
    assert subs == {("all", ""), ("except-account", "tajani")}
    assert [row[:2] for row in outbox(db)] == [(-1009, statement)]


async def test_a_bad_request_is_recorded_and_not_retried(api, db, bot):
    add_chat(db, 1001, subscribed_at=START)
    queue(db, 1001, count=2)
    api.fail_next(1001, Failure(400, "Bad Request: can't parse entities: unsupported start tag"))
    delivery = Delivery(bot, db, None)
    assert await delivery.deliver_due() == 1
    make_due(db)
    assert await delivery.deliver_due() == 0
    assert [(status, attempts) for *_, status, attempts in outbox(db)] == [("failed", 1), ("sent", 0)]


async def test_a_reply_to_a_group_that_became_a_supergroup_follows_it(api, db, bot):
    add_chat(db, -100, subscribed_at=START, chat_type="group")
    api.moved[-100] = -1009
    assert await Delivery(bot, db, None).send_html(-100, "<b>pong</b>") == -1009
    assert api.texts(-1009) == ["<b>pong</b>"]
    assert chat_store.get_chat(db, -1009) is not None


async def test_alerts_go_to_the_chats_forum_topic_silently_when_asked(api, db, bot):
    add_chat(db, -100, subscribed_at=START, chat_type="supergroup")
    chat_store.update_chat(db, -100, thread_id=42, silent=True)
    api.topics[-100] = {42}
    queue(db, -100)
    assert await Delivery(bot, db, None).deliver_due() == 1
    sent = api.last(-100)
    assert (sent.thread_id, sent.silent) == (42, True)


async def test_an_alert_for_a_deleted_forum_topic_goes_to_the_main_thread(api, db, bot):
    add_chat(db, -100, subscribed_at=START, chat_type="supergroup")
    chat_store.update_chat(db, -100, thread_id=43)  # the topic was deleted since /subscribe
    queue(db, -100)
    delivery = Delivery(bot, db, None)
    assert await delivery.deliver_due() == 0
    assert chat_store.get_chat(db, -100).thread_id is None
    make_due(db)
    assert await delivery.deliver_due() == 1
    assert api.last(-100).thread_id is None and outbox(db)[0][2] == "sent"


def test_alert_content_names_the_source_kind_and_where(db):
    with db.session() as session:
        x = SourceRow(account_id="tajani", kind="x", handle="Antonio_Tajani")
        site = SourceRow(account_id="tajani", kind="rss", handle="https://www.esteri.it/feed", url=None)
        session.add_all([x, site])
        session.flush()
        ids = x.id, site.id
    on_x = alert_content(db, add_statement(db, "Tweet.", source_id=ids[0]))
    on_site = alert_content(db, add_statement(db, "Press release.", source_id=ids[1]))
    assert (on_x.source_kind, on_x.source_where) == ("x", "@Antonio_Tajani")
    assert (on_site.source_kind, on_site.source_where) == ("rss", "www.esteri.it")


async def test_a_channel_gets_its_alerts_posted(api, db, bot):
    api.add_channel(-1007, "crisisdesk", "Crisis Desk")
    add_chat(db, -1007, subscribed_at=START, chat_type="channel")
    queue(db, -1007)
    assert await Delivery(bot, db, None).deliver_due() == 1
    assert "ESCALATION" in api.texts(-1007)[0]
