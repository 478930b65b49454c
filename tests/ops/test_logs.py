"""Log lines: UTC times with milliseconds in both formats, and LADDERWATCH_LOG_LEVEL."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.logs import configure_logging

ROOT = Path(__file__).parent.parent.parent
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    noisy = {name: logging.getLogger(name).level for name in ("httpx", "tornado.access")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in noisy.items():
        logging.getLogger(name).setLevel(old)


def test_json_times_are_utc_with_milliseconds(capsys, restore_logging):
    configure_logging("json", [])
    before = datetime.now(UTC)
    logging.getLogger("bot.test").warning("fetch failed", extra={"source_id": 3})
    line = json.loads(capsys.readouterr().err.strip())
    assert re.fullmatch(STAMP, line["time"])
    stamp = datetime.fromisoformat(line["time"].replace("Z", "+00:00"))
    assert abs((stamp - before).total_seconds()) < 3600  # UTC, not the machine's local zone
    assert line["source_id"] == 3 and line["level"] == "warning"


def test_text_lines_start_with_the_same_utc_stamp(capsys, restore_logging):
    configure_logging("text", [])
    logging.getLogger("bot.test").warning("hello", extra={"chat_id": 5})
    assert re.fullmatch(STAMP + r" WARNING bot\.test: hello \[chat_id=5\]", capsys.readouterr().err.strip())


def test_the_log_level_filters_and_keeps_noisy_libraries_quiet(capsys, restore_logging):
    configure_logging("text", [], "WARNING")
    logging.getLogger("bot.test").info("not shown")
    logging.getLogger("bot.test").warning("shown")
    configure_logging("text", [], "DEBUG")
    logging.getLogger("bot.test").debug("debug shown")
    logging.getLogger("httpx").info("HTTP Request: GET https://api.telegram.org/bot123:abc/getMe")
    err = capsys.readouterr().err
    assert "not shown" not in err and "shown" in err and "debug shown" in err
    assert "HTTP Request" not in err


def test_a_bad_level_stops_the_cli_with_one_line_naming_the_setting(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LADDERWATCH_LOG_LEVEL": "loud"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sources"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "LADDERWATCH_LOG_LEVEL='LOUD' must be one of DEBUG, INFO, WARNING, ERROR" in result.stderr


def test_feed_credentials_are_redacted_in_log_lines_and_tracebacks(capsys, restore_logging):
    configure_logging("text", [])
    log = logging.getLogger("bot.test")
    log.warning("refresh failed: %s: HTTP 404", "https://reader:s3cret@host/feed?token=t0ken1")
    try:
        raise ValueError("GET https://host/feed?apikey=k3y9 failed")
    except ValueError:
        log.exception("fetch crashed")
    err = capsys.readouterr().err
    assert "https://reader:***@host/feed?token=***: HTTP 404" in err and "apikey=***" in err
    assert not any(secret in err for secret in ("s3cret", "t0ken1", "k3y9")), err
