"""`ladderwatch run` as a real process: SIGKILL mid-delivery, restart, every alert exactly once.

Also checks what an operator sees: /healthz and /metrics answer, updates sent while the
bot was down are answered after the restart, SIGTERM stops it cleanly, and the token
never appears in the logs.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.alerts import queue_alerts
from bot.storage import chats as chat_store
from tests.tg.botapi_double import BotApiDouble
from tests.tg.factories import add_account, add_chat, add_statement, make_db, rss

ALERTS = 6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def alert_numbers(api: BotApiDouble) -> list[int]:
    return sorted(int(t.split("warning number ")[1].split(".")[0]) for t in api.texts(1001) if t.startswith("🔺"))


def test_sigkill_mid_delivery_then_restart_delivers_every_alert_exactly_once(tmp_path, feed_server):
    feed_server.set("/rubio.xml", rss([]))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "watchlist.yaml").write_text(
        f"accounts:\n  - id: rubio\n    name: Marco Rubio\n    sources:\n      - rss: {feed_server.url('/rubio.xml')}\n"
    )
    db = make_db(tmp_path)
    add_account(db)
    start_time = datetime.now(UTC) - timedelta(hours=1)
    add_chat(db, 1001, subscribed_at=start_time)
    chat_store.update_chat(db, 1001, digest_time="off")  # no catch-up digest in the middle of the count
    ids = [
        add_statement(
            db, f"We reserve the right to respond, warning number {n}.", published=start_time + timedelta(minutes=n)
        )
        for n in range(1, ALERTS + 1)
    ]
    assert queue_alerts(db, ids, datetime.now(UTC)) == ALERTS
    db.close()

    port, log = free_port(), tmp_path / "bot.log"
    with BotApiDouble() as api:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("LADDERWATCH_", "TELEGRAM_", "LIBRE"))},
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'ladderwatch.sqlite3'}",
            "LADDERWATCH_CONFIG": str(tmp_path / "config"),
            "LADDERWATCH_TRANSLATOR": "none",
            "LADDERWATCH_ALLOW_PRIVATE_URLS": "1",
            "LADDERWATCH_HTTP_PORT": str(port),
        }
        api.hold_after = 3
        first = start(env, log)
        try:
            api.wait_for(lambda: api.held, timeout=30)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        assert alert_numbers(api) == [1, 2, 3]

        api.command(1001, "/help")  # sent while the bot is down: answered after the restart
        api.hold_after = None
        api.release()
        second = start(env, log)
        try:
            api.wait_for(lambda: len(alert_numbers(api)) >= ALERTS, timeout=30)
            api.wait_for(lambda: any("Ladderwatch commands" in t for t in api.texts(1001)), timeout=10)
            time.sleep(2.5)  # a few more delivery passes: nothing may be sent again
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                health = json.load(response)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
                metrics = response.read().decode()
        finally:
            second.send_signal(signal.SIGTERM)
            status = second.wait(20)

    assert alert_numbers(api) == list(range(1, ALERTS + 1))
    assert health["status"] == "ok" and health["pending_alerts"] == 0
    assert 'ladderwatch_outbox_alerts{status="sent"} 6' in metrics
    assert status == 0
    output = log.read_text()
    assert "Ladderwatch is running" in output
    assert api.token not in output and api.token.split(":")[1] not in output
