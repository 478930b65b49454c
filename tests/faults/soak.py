"""Every hostile server of tests/faults/hostile_servers.py at once, under `ladderwatch run`.

    python -m tests.faults.soak               # one minute, prints the figures
    python -m tests.faults.soak --seconds 30

`ladderwatch run` runs as a real process against the Bot API double, with a good feed
and one account per hostile case (cases needing a bridge setting already taken are left
out and named). It polls every LADDERWATCH_POLL_SECONDS=5 s. At the end an admin sends
/status, the bot is stopped with SIGTERM, and the soak reports: tracebacks in the log,
the good feed's statements stored, the most refreshes of any failing source, which
failing sources `ladderwatch sources` and /status show as failing with their reason, the
longest gap between two getUpdates calls (the event loop answering), and the bot's peak
memory. `tests/faults/test_redteam_run.py` runs it for a shorter while and asserts.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.storage.db import open_database
from bot.storage.tables import SourceRow, StatementRow
from tests.faults.hostile import GOOD_FEED, GOOD_ITEMS
from tests.faults.hostile_servers import CASES, ServerCase
from tests.faults.peak import peak_mb
from tests.support.feed_server import FeedServer
from tests.tg.botapi_double import BotApiDouble

ADMIN = 1001
POLL_SECONDS = 5


class TimedBotApi(BotApiDouble):
    """The Bot API double, noting when each getUpdates call arrives."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.get_updates_at: list[float] = []

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getUpdates":
            self.get_updates_at.append(time.monotonic())
        return super().handle(method, params)


@dataclass
class SoakReport:
    seconds: float
    cases: list[ServerCase]
    left_out: list[str]
    tracebacks: int
    good_statements: int
    sources: dict[str, SourceRow]  # by account id ("good", "h1", …)
    listing: str  # `ladderwatch sources`
    status: str  # the /status reply
    longest_update_gap: float
    peak_mb: float
    exit_code: int | None
    log: str
    failing: dict[str, str] = field(default_factory=dict)  # account id → case name, failing ones

    @property
    def most_refreshes_of_a_failing_source(self) -> int:
        return max((self.sources[a].consecutive_errors for a in self.failing), default=0)

    def not_shown_failing(self) -> list[str]:
        """Failing sources that `ladderwatch sources` or /status do not show as failing with a reason.

        /status is read while the bot runs, so its error may be an earlier one than the
        database's last: it must show the source failing with some reason, not the same one.
        A long /status comes in several messages, which may part a source's lines.
        """
        missing = []
        status = self.status.splitlines()
        for account, name in self.failing.items():
            block = self.listing.split(f"{account}: ", 1)[-1].split("\n\n", 1)[0]
            if ": failing" not in block or "error (" not in block:
                missing.append(f"{name} (sources)")
            heading = next((i for i, line in enumerate(status) if f"<b>{account}</b>" in line), None)
            shown = heading is not None and "failing" in status[heading]
            following = [line for line in status[heading + 1 : heading + 5] if line] if heading is not None else []
            if not (shown and any(line.startswith("   <i>") for line in following[:2])):
                missing.append(f"{name} (/status)")
        return missing


def _watchlist(feeds: FeedServer, lines: dict[str, str]) -> str:
    accounts = [f"  - id: good\n    name: Good\n    sources:\n      - rss: {feeds.url('/good.xml')}\n"]
    accounts += [
        f"  - id: {account}\n    name: {account}\n    sources:\n      - {line}\n" for account, line in lines.items()
    ]
    return "accounts:\n" + "".join(accounts)


def _env(folder: Path, api: BotApiDouble, settings: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LADDERWATCH_", "TELEGRAM_", "LIBRETRANSLATE_"))}
    return {
        **base,
        "PYTHONPATH": os.getcwd(),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.url,
        "DATABASE_URL": f"sqlite:///{folder / 'ladderwatch.sqlite3'}",
        "LADDERWATCH_CONFIG": str(folder / "config"),
        "LADDERWATCH_TRANSLATOR": "none",
        "LADDERWATCH_ALLOW_PRIVATE_URLS": "1",
        "LADDERWATCH_POLL_SECONDS": str(POLL_SECONDS),
        "LADDERWATCH_ADMINS": str(ADMIN),
        "LADDERWATCH_HTTP_PORT": "0",
        **settings,
    }


def _start_cases(stack: ExitStack) -> tuple[dict[str, str], dict[str, str], list[ServerCase], list[str]]:
    lines: dict[str, str] = {}
    settings: dict[str, str] = {}
    cases, left_out = [], []
    for case in CASES:
        if case.polls > 1:
            left_out.append(f"{case.name} (polled twice by design; covered by poll --once)")
            continue
        # Each case on a loopback address of its own, as sources on different hosts are:
        # the per-host limit (two at once) would queue the rest behind two that hang.
        line, env = case.start(stack, stack.enter_context(FeedServer(host=f"127.0.0.{len(cases) + 2}")))
        if set(env) & set(settings):
            left_out.append(f"{case.name} (needs {', '.join(env)}, taken by another case)")
            continue
        settings.update(env)
        cases.append(case)
        lines[f"h{len(cases)}"] = line
    return lines, settings, cases, left_out


def _stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM, then SIGKILL if the bot has not stopped within `timeout` (its exit code says which)."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def soak(seconds: float, folder: Path, *, until_all_tried: bool = False) -> SoakReport:
    """Run the bot beside every hostile server for `seconds` (or, with `until_all_tried`, until
    every source has been refreshed once, at most `seconds`), then report."""
    with ExitStack() as stack:
        feeds = stack.enter_context(FeedServer())
        feeds.set("/good.xml", GOOD_FEED)
        api = stack.enter_context(TimedBotApi())
        lines, settings, cases, left_out = _start_cases(stack)
        (folder / "config").mkdir(parents=True, exist_ok=True)
        (folder / "config" / "watchlist.yaml").write_text(_watchlist(feeds, lines), encoding="utf-8")
        env = _env(folder, api, settings)
        log = folder / "bot.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.faults.peak", "run"],
                env={**env, "FAULTS_PEAK_FILE": str(folder / "bot.peak")},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started = time.monotonic()
        try:
            api.command(ADMIN, "/start")
            while time.monotonic() - started < seconds:
                if until_all_tried and _all_tried(env["DATABASE_URL"], len(lines) + 1):
                    break
                time.sleep(1)
            gaps_from = started + 10  # start-up (imports, classifier) is not the loop stalling
            api.command(ADMIN, "/status")
            status = _wait_for_status(api)
        finally:
            _stop(process, 30)
        elapsed = time.monotonic() - started
        times = [t for t in api.get_updates_at if t >= gaps_from]
        gap = max((b - a for a, b in itertools.pairwise(times)), default=float("nan"))
    listing = subprocess.run(
        [sys.executable, "-m", "bot", "sources"], env=env, capture_output=True, text=True, check=False, cwd=folder
    ).stdout
    sources, good = _read_database(env["DATABASE_URL"])
    text = log.read_text(errors="replace")
    report = SoakReport(
        seconds=elapsed,
        cases=cases,
        left_out=left_out,
        tracebacks=text.count("Traceback (most recent call last)"),
        good_statements=good,
        sources=sources,
        listing=listing,
        status=status,
        longest_update_gap=gap,
        peak_mb=peak_mb(folder / "bot.peak") if (folder / "bot.peak").exists() else float("nan"),
        exit_code=process.returncode,
        log=text,
    )
    report.failing = {
        account: case.name for account, case in zip(lines, cases, strict=True) if sources[account].consecutive_errors
    }
    return report


def _all_tried(database_url: str, count: int) -> bool:
    try:
        sources, _ = _read_database(database_url)
    except Exception:  # not created yet
        return False
    tried = [row for row in sources.values() if row.last_success_at or row.consecutive_errors]
    return len(tried) >= count


def _wait_for_status(api: BotApiDouble) -> str:
    """The whole /status reply (split into several messages when long); "" when none came."""

    def first() -> int | None:
        texts = api.texts(ADMIN)
        return next((i for i, t in enumerate(texts) if t.startswith("Sources (") or "<b>Sources (" in t), None)

    try:
        api.wait_for(lambda: first() is not None, timeout=30)
    except AssertionError:
        return ""
    count = -1
    while count != len(api.texts(ADMIN)):  # the parts are sent one after another
        count = len(api.texts(ADMIN))
        time.sleep(2)
    return "\n".join(api.texts(ADMIN)[first() or 0 :])


def _read_database(database_url: str) -> tuple[dict[str, SourceRow], int]:
    db = open_database(database_url)
    try:
        with db.session() as session:
            sources = {row.account_id: row for row in session.scalars(select(SourceRow))}
            good = len(list(session.scalars(select(StatementRow).where(StatementRow.account_id == "good"))))
    finally:
        db.close()
    return sources, good


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        report = soak(args.seconds, Path(folder))
    for name in report.left_out:
        print(f"  left out: {name}", file=sys.stderr)
    for name in report.not_shown_failing():
        print(f"  not shown as failing with its reason: {name}", file=sys.stderr)
    print(
        f"ladderwatch run, {report.seconds:.0f} s, {len(report.cases)} hostile servers beside a good feed: "
        f"tracebacks: {report.tracebacks}, good feed stored: {report.good_statements}/{GOOD_ITEMS}, "
        f"failing sources: {len(report.failing)}, most refreshes of one failing source: "
        f"{report.most_refreshes_of_a_failing_source}, "
        f"not shown as failing with reason: {len(report.not_shown_failing())}, "
        f"longest getUpdates gap: {report.longest_update_gap:.1f} s, bot peak memory: {report.peak_mb:.0f} MB, "
        f"exit code after SIGTERM: {report.exit_code}"
    )
    return 0 if report.tracebacks == 0 and report.good_statements == GOOD_ITEMS else 1


if __name__ == "__main__":
    sys.exit(main())
