"""Fault figures for the README: hostile inputs tried / crashes; restarts / alerts lost.

    python -m tests.faults.figures            # all parts
    python -m tests.faults.figures --no-restart

Part one polls every case of tests/faults/hostile.py with `ladderwatch poll --once`
beside a good feed (a real loopback server each) and counts crashes (an exception out
of `main`, a printed traceback, or a non-zero exit), wrong outcomes (the case's check
failed) and runs where the good feed did not fully arrive.

The red-team servers of tests/faults/hostile_servers.py are counted the same way, each
`poll --once` run as a child process with the real 20 s fetch timeout, so that its wall
time and peak memory (the kernel's rusage) are measured too; the slowest and the largest
are printed.

Part two runs tests/tg/test_run_process.py's SIGKILL test: `ladderwatch run` is killed
with SIGKILL after 3 of 6 queued alerts, restarted, and must deliver each of the 6
exactly once (the test asserts the delivered numbers equal 1..6). It is reported as
that test's outcome, nothing more.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.faults.hostile import CASES, GOOD_ITEMS, Outcome, resolve_env, run_case
from tests.faults.hostile_servers import CASES as SERVER_CASES
from tests.faults.hostile_servers import run_server_case
from tests.support.feed_server import FeedServer

SIGKILL_TEST = "tests/tg/test_run_process.py::test_sigkill_mid_delivery_then_restart_delivers_every_alert_exactly_once"
SIGKILL_ALERTS = 6


@dataclass
class Tally:
    tried: int = 0
    crashes: int = 0
    wrong: int = 0
    good_lost: int = 0
    slowest: tuple[float, str] = (0.0, "")
    largest: tuple[float, str] = (0.0, "")

    def count(self, name: str, outcome: Outcome, check: Callable[[Outcome], None]) -> None:
        self.tried += 1
        crashed = outcome.crashed is not None or outcome.traceback_printed or outcome.exit_code != 0
        self.crashes += crashed
        self.good_lost += outcome.good_statements != GOOD_ITEMS
        try:
            check(outcome)
        except Exception:  # a failed check, or an older tree without the checked fields
            self.wrong += 1
            print(f"  wrong outcome: {name}", file=sys.stderr)
        if crashed:
            print(f"  crash: {name}: {outcome.crashed or outcome.exit_code}", file=sys.stderr)
        if outcome.seconds is not None and outcome.peak_mb is not None:
            self.slowest = max(self.slowest, (outcome.seconds, name))
            self.largest = max(self.largest, (outcome.peak_mb, name))

    def line(self, what: str) -> str:
        return (
            f"{what} tried: {self.tried}, crashes: {self.crashes}, wrong outcomes: {self.wrong}, "
            f"good feed incomplete: {self.good_lost}"
        )


def hostile_inputs() -> Tally:
    """Issue 9's catalogue, in process."""
    tally = Tally()
    for case in CASES:
        with FeedServer() as server, tempfile.TemporaryDirectory() as folder:
            tally.count(case.name, run_case(resolve_env(case, server), server, Path(folder)), case.check)
    return tally


def hostile_servers() -> Tally:
    """The red-team catalogue, each poll a child process (time and peak memory measured)."""
    tally = Tally()
    for case in SERVER_CASES:
        with FeedServer() as server, tempfile.TemporaryDirectory() as folder:
            tally.count(case.name, run_server_case(case, server, Path(folder), in_process=False), case.check)
    return tally


def sigkill_restart() -> bool:
    """True when the SIGKILL-and-restart test passes."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", SIGKILL_TEST]
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-restart", action="store_true", help="skip the SIGKILL restart test")
    args = parser.parse_args()
    inputs, servers = hostile_inputs(), hostile_servers()
    line = inputs.line("hostile inputs") + "; " + servers.line("hostile servers")
    line += (
        f" (slowest poll --once: {servers.slowest[0]:.0f} s, {servers.slowest[1]}; "
        f"largest peak memory: {servers.largest[0]:.0f} MB, {servers.largest[1]})"
    )
    if not args.no_restart:
        if sigkill_restart():
            line += f"; restarts survived: 1 (SIGKILL mid-delivery), alerts lost: 0 of {SIGKILL_ALERTS}, duplicated: 0"
        else:
            line += "; SIGKILL restart test FAILED (alerts lost or duplicated, see pytest)"
    print(line)
    failures = sum(t.crashes + t.wrong + t.good_lost for t in (inputs, servers))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
