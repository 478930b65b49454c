"""Two `ladderwatch worker` processes and one `ladderwatch run` share a PostgreSQL database:
every source is fetched once in its interval and every alert is sent once.

Skipped without LADDERWATCH_TEST_POSTGRES_URL (`.ci/run` sets it); the database is emptied.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.storage import chats as chat_store
from bot.storage import outbox as outbox_store
from bot.storage import subscriptions as subscription_store
from bot.storage.db import Database, open_database
from tests.tg.botapi_double import BotApiDouble

POSTGRES = os.environ.get("LADDERWATCH_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not POSTGRES, reason="LADDERWATCH_TEST_POSTGRES_URL is not set")
ROOT = Path(__file__).resolve().parents[2]
FEEDS, ITEMS = 8, 2
# Four chats following two accounts each: Telegram lets a bot send one message a second to a
# chat, so sixteen alerts to one chat would take sixteen seconds.
CHATS = {5001 + n: (f"acc-{2 * n}", f"acc-{2 * n + 1}") for n in range(FEEDS // 2)}
MARK = re.compile(r"bulletin (\d+)-(\d+)\b", re.IGNORECASE)


def feed(number: int) -> bytes:
    """Items dated after the accounts were loaded: new, so alerted on the first fetch."""
    when = format_datetime(datetime.now(UTC) + timedelta(hours=1))
    items = "".join(
        f"<item><guid>urn:f{number}:{n}</guid><pubDate>{when}</pubDate><description>Bulletin {number}-{n}: we "
        f"condemn the missile strike and reserve the right to respond with full force.</description></item>"
        for n in range(ITEMS)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>f{number}</title>{items}</channel></rss>'.encode()


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, stdout=out, stderr=out)


def test_two_workers_and_one_bot_fetch_each_source_once_and_alert_once(feed_server, tmp_path):
    db = Database(POSTGRES or "")
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.close()
    config = tmp_path / "config"
    config.mkdir()
    lines = ["accounts:"]
    for n in range(FEEDS):
        feed_server.set(f"/f{n}.xml", feed(n), etag=f'"f{n}"')
        url = feed_server.url(f"/f{n}.xml")
        lines += [f"  - id: acc-{n}", f"    name: Account {n}", "    sources:", f"      - rss: {url}"]
    (config / "watchlist.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with BotApiDouble() as api:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("LADDERWATCH_", "TELEGRAM_", "DATABASE_URL"))},
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": POSTGRES or "",
            "LADDERWATCH_CONFIG": str(config),
            "LADDERWATCH_TRANSLATOR": "none",
            "LADDERWATCH_ALLOW_PRIVATE_URLS": "1",
            "LADDERWATCH_POLL_SECONDS": "600",  # one interval spans the whole test
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.url,
        }
        upgrade = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True)
        assert upgrade.returncode == 0, upgrade.stderr
        db = open_database(POSTGRES or "")
        subscribed = datetime.now(UTC) - timedelta(minutes=1)
        for chat, accounts in CHATS.items():
            chat_store.ensure_chat(db, chat, "private", f"desk {chat}", "en", subscribed)
            for account in accounts:
                subscription_store.subscribe(db, chat, subscription_store.ACCOUNT, account, subscribed)
        log = tmp_path / "processes.log"
        processes = [start(["run"], env, log), start(["worker"], env, log), start(["worker"], env, log)]
        try:
            api.wait_for(lambda: sum(len(api.texts(chat)) for chat in CHATS) >= FEEDS * ITEMS, timeout=120)
            time.sleep(4)  # more delivery passes and poll turns: nothing may be fetched or sent again
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            statuses = [process.wait(30) for process in processes]
        counts = outbox_store.count_by_status(db)
        db.close()

    output = log.read_text(errors="replace")
    assert statuses == [0, 0, 0], output[-3000:]
    assert "worker" in output and "Ladderwatch is running" in output
    assert [feed_server.hits(f"/f{n}.xml") for n in range(FEEDS)] == [1] * FEEDS
    for chat, accounts in CHATS.items():  # each alert once, to the chat following its account
        alerted = sorted(MARK.search(sent).groups() for sent in api.texts(chat) if MARK.search(sent))
        feeds = [account.removeprefix("acc-") for account in accounts]
        assert alerted == sorted((f, str(n)) for f in feeds for n in range(ITEMS)), chat
    assert counts["sent"] == FEEDS * ITEMS and counts["pending"] == 0
