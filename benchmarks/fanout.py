"""Fan-out: one statement to N chats through the Bot API test double, under Telegram's limits.

The double (in this process) enforces the limits times `scale` and answers 429 with
`retry_after` beyond them. The bot side runs in a child process
(`python -m benchmarks.fanout --child …`): the real `Delivery` with the bot's own rate
limiter (`TelegramLimiter`, as `ladderwatch run` builds it) set to the same scale, outbox
passes as `ladderwatch run` schedules them, on its own SQLite file. Achieved rate =
messages accepted / time from the first to the last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.procs import ROOT, bot_env, run_measured

TELEGRAM_PER_SECOND = 30.0


@dataclass(frozen=True)
class FanoutFigures:
    chats: int
    scale: float
    accepted: int
    seconds: float
    refusals_429: int
    peak_rss_mb: float

    @property
    def limit(self) -> float:
        return TELEGRAM_PER_SECOND * self.scale

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


def measure_fanout(chats: int, scale: float) -> FanoutFigures:
    sys.path.insert(0, str(ROOT))
    from tests.tg.botapi_double import BotApiDouble, FloodLimits

    with tempfile.TemporaryDirectory(prefix="lw-bench-") as temp, BotApiDouble(limits=FloodLimits(scale)) as api:
        env = bot_env(Path(temp))
        child = run_measured(
            ["-m", "benchmarks.fanout", "--child", "--chats", str(chats), "--scale", str(scale), "--api", api.url],
            env | {"TELEGRAM_BOT_TOKEN": api.token},
        )
        if child.returncode != 0:
            raise RuntimeError(f"fan-out child failed:\n{child.stderr[-3000:]}")
        report = json.loads(child.stdout.strip().splitlines()[-1])
        sends = [s for s in api.sent if s.method == "sendMessage"]
        if len(sends) != chats or report["sent"] != chats:
            raise RuntimeError(f"fan-out delivered {len(sends)} of {chats} (outbox says {report})")
        return FanoutFigures(chats, scale, len(sends), report["seconds"], api.flood_refusals, child.peak_rss_mb)


# --- the bot side (child process) ----------------------------------------------------------------


def _seed(db_url: str, chats: int) -> None:
    """One account, N private chats following everything, then one new statement and its alerts."""
    from bot.alerts import queue_alerts
    from bot.dedupe import to_statement
    from bot.model import Account, AnalysedStatement, FeedEntry, Label, SourceKind, SourceSpec, Verdict
    from bot.storage import sources as source_store
    from bot.storage.accounts import sync_watchlist
    from bot.storage.db import open_database
    from bot.storage.statements import save_new_statements
    from bot.storage.tables import ChatRow, SubscriptionRow

    db = open_database(db_url)
    before = datetime.now(UTC) - timedelta(minutes=5)
    sync_watchlist(
        db, [Account("bench", "Bench", "Minister", "IT", (), (SourceSpec(SourceKind.RSS, "https://x/"),))], before
    )
    with db.session() as session:
        for n in range(chats):
            session.add(ChatRow(id=10_000 + n, created_at=before, subscribed_at=before, language="en"))
            session.add(SubscriptionRow(chat_id=10_000 + n, target_kind="all", target="", created_at=before))
    source_id, _ = source_store.source_schedule(db)[0]
    now = datetime.now(UTC)
    entry = FeedEntry("Both sides agreed to an immediate ceasefire and talks.", guid="g1", published=now)
    verdict = Verdict(Label.DEESCALATION, -0.8, 0.9, False)
    ids = save_new_statements(
        db, [AnalysedStatement(to_statement("bench", source_id, entry, now), None, False, verdict)], now
    )
    queue_alerts(db, ids, now)
    db.close()


async def _deliver_all(api_url: str, token: str, db_url: str, scale: float) -> dict[str, float]:
    from telegram.constants import ParseMode
    from telegram.ext import Defaults, ExtBot

    from bot.delivery import Delivery
    from bot.ratelimit import TelegramLimiter
    from bot.storage import outbox as outbox_store
    from bot.storage.db import open_database
    from bot.tg.jobs import DELIVERY_SECONDS

    db = open_database(db_url)
    limiter = TelegramLimiter(scale)
    bot = ExtBot(token, base_url=api_url, rate_limiter=limiter, defaults=Defaults(parse_mode=ParseMode.HTML))
    await bot.initialize()
    delivery = Delivery(bot, db, None)
    started = time.perf_counter()
    while outbox_store.count_by_status(db)["pending"]:
        await delivery.deliver_due()
        if outbox_store.count_by_status(db)["pending"]:
            await asyncio.sleep(DELIVERY_SECONDS)  # as the `deliver` job waits between passes
    seconds = time.perf_counter() - started
    await bot.shutdown()
    counts = outbox_store.count_by_status(db)
    db.close()
    return {"seconds": seconds, "sent": counts["sent"], "failed": counts["failed"]}


def child() -> None:
    import os

    parser = argparse.ArgumentParser()
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--chats", type=int, required=True)
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--api", required=True)
    arguments = parser.parse_args()
    db_url = os.environ["DATABASE_URL"]
    _seed(db_url, arguments.chats)
    report = asyncio.run(_deliver_all(arguments.api, os.environ["TELEGRAM_BOT_TOKEN"], db_url, arguments.scale))
    print(json.dumps(report))


if __name__ == "__main__":
    child()
