"""Latency: a feed publishes → `ladderwatch run` polls, classifies, queues → the Bot API accepts the alert.

`ladderwatch run` runs as users run it (its own process, LADDERWATCH_POLL_SECONDS=5)
against the loopback feed farm and the Bot API test double. Chat i follows account i
(one chat per feed, so Telegram's one-message-per-second-per-chat pacing does not queue
alerts of different feeds behind each other). After the first poll (whose backlog is not
alerted) each feed publishes items at random moments; latency is the double's acceptance
time minus the publication time.
"""

from __future__ import annotations

import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.procs import ROOT, FeedFarm, bot_env, write_watchlist

POLL_SECONDS = 5
FIRST_CHAT = 4200
MARK = re.compile(r"bulletin (\d+) of feed (\d+)")


@dataclass(frozen=True)
class LatencyFigures:
    samples: int
    p50: float
    p95: float
    poll_seconds: int


def _seed_chats(db_url: str, feeds: int) -> None:
    from bot.storage import chats as chat_store
    from bot.storage import subscriptions as subscription_store
    from bot.storage.db import open_database

    db = open_database(db_url)
    before = datetime.now(UTC) - timedelta(minutes=1)
    for n in range(feeds):
        chat_store.ensure_chat(db, FIRST_CHAT + n, "private", "desk", "en", before)
        subscription_store.subscribe(db, FIRST_CHAT + n, "account", f"bench-{n}", before)
    db.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure_latency(feeds: int, rounds: int) -> LatencyFigures:
    sys.path.insert(0, str(ROOT))
    from tests.tg.botapi_double import BotApiDouble

    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="lw-bench-") as temp, FeedFarm(feeds, 2) as farm, BotApiDouble() as api:
        folder = Path(temp)
        write_watchlist(folder, [farm.url(n) for n in range(feeds)])
        env = bot_env(
            folder,
            TELEGRAM_BOT_TOKEN=api.token,
            TELEGRAM_API_BASE_URL=api.url,
            LADDERWATCH_POLL_SECONDS=str(POLL_SECONDS),
        )
        _seed_chats(env["DATABASE_URL"], feeds)
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + 60
            while farm.stats()["200"] < feeds:  # every feed's first poll, its backlog skipped
                if bot.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ladderwatch run did not poll every feed: {bot.stderr.read()[-2000:]!r}")
                time.sleep(0.2)
            published: dict[tuple[int, int], float] = {}
            for number in range(rounds):
                for feed in rng.sample(range(feeds), feeds):
                    time.sleep(rng.uniform(0, POLL_SECONDS / feeds))
                    published[(number, feed)] = farm.publish(feed)
            api.wait_for(lambda: len(api.sent) >= len(published), timeout=POLL_SECONDS * 4 + 30)
        finally:
            bot.terminate()
            bot.wait(timeout=20)
        latencies = []
        for sent in api.sent:
            found = MARK.search(sent.text)
            if found and sent.chat_id == FIRST_CHAT + int(found.group(2)):
                latencies.append(sent.at - published[(int(found.group(1)), int(found.group(2)))])
        if len(latencies) != len(published):
            raise RuntimeError(f"{len(latencies)} alerts for {len(published)} publications")
        return LatencyFigures(len(latencies), statistics.median(latencies), percentile(latencies, 0.95), POLL_SECONDS)
