"""A Bot API answer that is not JSON (a proxy's HTML 502, a captive portal's 200 page) is one log
line saying what came back and what to check, and what happens next; before, python-telegram-bot
logged its own JSONDecodeError traceback at ERROR (`telegram.request.BaseRequest`)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update
from telegram.error import BadRequest
from telegram.ext import Defaults, ExtBot

from bot.alerts import queue_alerts
from bot.cli import main
from bot.delivery import Delivery
from bot.storage.tables import OutboxRow
from bot.tg.request import BotApiRequest, describe_body
from tests.support.logs import with_traceback
from tests.tg.botapi_double import BAD_GATEWAY_PAGE, BotApiDouble
from tests.tg.conftest import RunningBot, until
from tests.tg.factories import add_account, add_chat, add_statement, make_db

USER = 1001
CHECK = "a proxy or gateway on the way is failing, or TELEGRAM_API_BASE_URL does not point at a Bot API"


def explained(api: BotApiDouble, status: int, body: str) -> str:
    return f"the Bot API request to {urlsplit(api.url).netloc} got HTTP {status} with {body}, not JSON: {CHECK}"


def lines(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


@pytest.mark.parametrize(
    ("status", "body"),
    [(502, BAD_GATEWAY_PAGE), (200, b"<html><body>Sign in to the hotel Wi-Fi</body></html>")],
)
async def test_get_updates_answered_with_a_page_is_one_line_and_retried(
    running_bot: RunningBot, caplog, status, body
):
    bot, api = running_bot, running_bot.api
    api.updates_answer = (status, body)
    await until(lambda: lines(caplog, "getUpdates failed"))
    api.updates_answer = None
    assert "Hello" in await bot.say(USER, "/start")
    assert not with_traceback(caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    expected = "getUpdates failed, retrying with back-off: NetworkError: " + explained(api, status, describe_body(body))
    assert lines(caplog, "getUpdates failed")[0] == expected


async def test_a_reply_answered_with_a_proxy_page_is_one_line_without_a_traceback(running_bot: RunningBot, caplog):
    bot, api = running_bot, running_bot.api
    await bot.say(USER, "/start")
    api.answers["sendMessage"] = (502, BAD_GATEWAY_PAGE)
    api.command(USER, "/help")
    page = explained(api, 502, "an HTML page titled '502 Bad Gateway'")
    [reported] = await until(lambda: lines(caplog, "could not report the error to the chat"))  # tried, failed too
    assert not with_traceback(caplog.records)
    assert lines(caplog, "could not answer") == [f"could not answer: NetworkError: {page}"]
    assert reported == f"could not report the error to the chat: {page}"
    del api.answers["sendMessage"]
    assert "/subscribe" in await bot.say(USER, "/help")


def test_check_says_what_answered_instead_of_the_bot_api(ladderwatch_env, api, capsys, caplog):
    ladderwatch_env.set(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.url)
    api.answers["getMe"] = (502, BAD_GATEWAY_PAGE)
    assert main(["check"]) == 1
    page = explained(api, 502, "an HTML page titled '502 Bad Gateway'")
    assert f"FAIL  token      Telegram refused the token or is unreachable: {page}" in capsys.readouterr().out
    assert not with_traceback(caplog.records)


def test_check_asks_a_bare_local_bot_api_server_where_run_does(ladderwatch_env, api, capsys):
    ladderwatch_env.set(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.url.removesuffix("/bot"))
    main(["check"])
    assert "ok    token      token accepted by Telegram: @" in capsys.readouterr().out


@pytest.fixture
async def ext_bot(api: BotApiDouble):
    async with ExtBot(api.token, base_url=api.url, defaults=Defaults(parse_mode="HTML"), request=BotApiRequest()) as b:
        yield b


async def test_an_alert_answered_with_a_proxy_page_is_retried_later_and_sent(api, ext_bot, tmp_path, caplog):
    db = make_db(tmp_path)
    add_account(db)
    subscribed = datetime.now(UTC) - timedelta(hours=2)
    add_chat(db, USER, subscribed_at=subscribed)
    statement = add_statement(db, "We reserve the right to respond.", published=subscribed + timedelta(minutes=1))
    queue_alerts(db, [statement], datetime.now(UTC))
    api.answers["sendMessage"] = (502, BAD_GATEWAY_PAGE)
    delivery = Delivery(ext_bot, db, None)
    assert await delivery.deliver_due() == 0
    page = explained(api, 502, "an HTML page titled '502 Bad Gateway'")
    assert lines(caplog, "alert will be retried") == [f"alert will be retried: NetworkError: {page}"]
    del api.answers["sendMessage"]
    with db.session() as session:  # the back-off has passed
        session.execute(update(OutboxRow).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert await delivery.deliver_due() == 1
    with db.session() as session:
        assert session.execute(select(OutboxRow.status, OutboxRow.attempts)).one() == ("sent", 1)
    assert not with_traceback(caplog.records)


async def test_json_answers_keep_their_meaning(api, ext_bot):
    """Only what is not JSON is turned into a NetworkError: Telegram's own refusals are as they were."""
    api.answers["sendMessage"] = (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
    with pytest.raises(BadRequest, match="Chat not found"):
        await ext_bot.send_message(USER, "hello")


@pytest.mark.parametrize(
    ("body", "described"),
    [
        (b"", "an empty body"),
        (BAD_GATEWAY_PAGE, "an HTML page titled '502 Bad Gateway'"),
        (b"<html>Bad <b>Gateway</b></html>", "an HTML page ('Bad Gateway')"),
        (b"upstream connect error or disconnect/reset before headers", "57 bytes of text ('upstream connect error"),
        (b'{"ok": true, "result": ', None),  # cut short: not JSON either
        (b"<title>" + b"x" * 500, "an HTML page ('" + "x" * 79 + "…')"),
    ],
)
def test_what_came_back_is_said_in_a_few_words(body, described):
    text = describe_body(body)
    assert len(text) < 120
    if described is not None:
        assert text.startswith(described)
