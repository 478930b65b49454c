"""The bot token never reaches the logs: httpx request lines are quiet, and a filter redacts
the token from messages, arguments and tracebacks (text and JSON formats)."""

from __future__ import annotations

import logging

import pytest

from bot.logs import configure_logging
from tests.tg.botapi_double import TOKEN


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_token_is_redacted_everywhere(log_format, capsys, restore_logging):
    configure_logging(log_format, [TOKEN])
    log = logging.getLogger("telegram.ext.Updater")
    url = f"https://api.telegram.org/bot{TOKEN}/getUpdates"
    log.error("request to %s failed", url)
    log.warning(f"inline {url}")
    try:
        raise ConnectionError(f"cannot reach {url}")
    except ConnectionError:
        log.exception("polling failed")
    logging.getLogger("httpx").info("HTTP Request: POST %s", url)
    output = capsys.readouterr().err
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    assert output.count("<redacted>") >= 3 and "cannot reach" in output
    assert "HTTP Request" not in output  # httpx is kept at WARNING
