"""Fault figures for the README: hostile inputs tried / crashes; restarts / alerts lost.

    python -m tests.faults.figures            # both parts
    python -m tests.faults.figures --no-restart

Part one polls every case of tests/faults/hostile.py with `ladderwatch poll --once`
beside a good feed (a real loopback server each) and counts crashes (an exception out
of `main`, a printed traceback, or a non-zero exit), wrong outcomes (the case's check
failed) and runs where the good feed did not fully arrive.

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
from pathlib import Path

from tests.faults.hostile import CASES, GOOD_ITEMS, resolve_env, run_case
from tests.support.feed_server import FeedServer

SIGKILL_TEST = (
    "tests/tg/test_run_process.py::test_sigkill_mid_delivery_then_restart_delivers_every_alert_exactly_once"
)
SIGKILL_ALERTS = 6


def hostile_inputs() -> tuple[int, int, int, int]:
    """(tried, crashes, wrong outcomes, runs where the good feed was incomplete)."""
    crashes = wrong = good_lost = 0
    for case in CASES:
        with FeedServer() as server, tempfile.TemporaryDirectory() as folder:
            outcome = run_case(resolve_env(case, server), server, Path(folder))
        crashed = outcome.crashed is not None or outcome.traceback_printed or outcome.exit_code != 0
        crashes += crashed
        good_lost += outcome.good_statements != GOOD_ITEMS
        try:
            case.check(outcome)
        except Exception:  # a failed check, or an older tree without the checked fields
            wrong += 1
            print(f"  wrong outcome: {case.name}", file=sys.stderr)
        if crashed:
            print(f"  crash: {case.name}: {outcome.crashed or outcome.exit_code}", file=sys.stderr)
    return len(CASES), crashes, wrong, good_lost


def sigkill_restart() -> bool:
    """True when the SIGKILL-and-restart test passes."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", SIGKILL_TEST]
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-restart", action="store_true", help="skip the SIGKILL restart test")
    args = parser.parse_args()
    tried, crashes, wrong, good_lost = hostile_inputs()
    line = (
        f"hostile inputs tried: {tried}, crashes: {crashes}, wrong outcomes: {wrong}, "
        f"good feed incomplete: {good_lost}"
    )
    if not args.no_restart:
        if sigkill_restart():
            line += f"; restarts survived: 1 (SIGKILL mid-delivery), alerts lost: 0 of {SIGKILL_ALERTS}, duplicated: 0"
        else:
            line += "; SIGKILL restart test FAILED (alerts lost or duplicated, see pytest)"
    print(line)
    return 0 if crashes == wrong == good_lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
