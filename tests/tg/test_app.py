"""`ladderwatch run` start-up: webhook mode with its secret token, a Bot API that comes up
late, and failures that name what to check."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.request
from dataclasses import replace

import pytest

from bot.settings import SettingsError
from bot.tg.app import api_base_url, run_bot, serve, webhook_secret
from tests.tg.botapi_double import BotApiDouble
from tests.tg.conftest import until


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post(url: str, body: dict[str, object], secret: str) -> int:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()


def start_update(update_id: int) -> dict[str, object]:
    user = {"id": 1001, "is_bot": False, "first_name": "Ada", "language_code": "en"}
    message = {
        "message_id": 1,
        "date": 1700000000,
        "chat": {"id": 1001, "type": "private"},
        "from": user,
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    return {"update_id": update_id, "message": message}


async def test_webhook_mode_accepts_updates_with_the_secret_only(settings, api):
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    stop = asyncio.Event()
    task = asyncio.create_task(serve(replace(settings, http_port=port), hook, stop))
    try:
        registered = await until(lambda: api.calls_of("setWebhook"))
        await until(lambda: api.calls_of("setMyCommands"))  # the server starts before setWebhook
        secret = registered[0]["secret_token"]
        assert registered[0]["url"] == hook and secret == webhook_secret(api.token) and api.token not in secret
        status, body = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/healthz")
        assert status == 200 and json.loads(body)["status"] == "ok"

        assert await asyncio.to_thread(post, hook, start_update(1), "wrong") == 403
        assert await asyncio.to_thread(post, hook, start_update(2), secret) == 200
        await until(lambda: api.texts(1001))
        assert "Hello Ada" in api.texts(1001)[0] and len(api.texts(1001)) == 1
        assert not api.calls_of("getUpdates")
        # an update PTB cannot read is taken (not answered 500, which Telegram would redeliver forever)
        assert await asyncio.to_thread(post, hook, {"update_id": 3, "message": "garbage"}, secret) == 200
        assert await asyncio.to_thread(post, hook, start_update(4), secret) == 200
        await until(lambda: len(api.texts(1001)) == 2)

        status, body = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and b"# HELP ladderwatch_sources " in body
        assert (await asyncio.to_thread(get, f"http://127.0.0.1:{port}/nope"))[0] == 404
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


def test_webhook_mode_needs_a_port(settings):
    with pytest.raises(SettingsError, match="LADDERWATCH_HTTP_PORT"):
        run_bot(replace(settings, http_port=None), "https://example.org/hook")


def test_a_rejected_token_stops_with_one_clear_line(settings, caplog):
    assert run_bot(replace(settings, telegram_bot_token="1:not-the-token"), None) == 1
    assert "TELEGRAM_BOT_TOKEN was rejected" in caplog.text and "not-the-token" not in caplog.text


async def test_start_up_waits_for_a_bot_api_that_comes_up_late(settings, api):
    port = free_port()
    stop = asyncio.Event()
    late_url = f"http://127.0.0.1:{port}/bot"
    task = asyncio.create_task(serve(replace(settings, telegram_api_base_url=late_url), None, stop))
    await asyncio.sleep(1.0)
    assert not task.done()
    with BotApiDouble(port=port) as late_api:
        try:
            await until(lambda: late_api.calls_of("getUpdates"), timeout=15)
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)


def test_a_bare_server_url_gets_the_bot_prefix():
    assert api_base_url("http://127.0.0.1:8081") == "http://127.0.0.1:8081/bot"
    assert api_base_url("http://127.0.0.1:8081/") == "http://127.0.0.1:8081/bot"
    assert api_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/bot"
    assert api_base_url("http://h/custom/bot{token}/test") == "http://h/custom/bot{token}/test"


async def test_a_token_revoked_while_polling_stops_the_bot_with_a_clear_line(settings, api, caplog):
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, None, stop))
    try:
        await until(lambda: api.calls_of("getUpdates"))
        api.updates_answer = (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        assert await asyncio.wait_for(task, 20) == 1  # not alive and deaf
    finally:
        stop.set()
        if not task.done():
            await asyncio.wait_for(task, 20)
    assert any("no longer accepts TELEGRAM_BOT_TOKEN" in r.getMessage() for r in caplog.records)
