"""`ladderwatch run` beside every hostile server at once (tests/faults/soak.py), as a real process.

The bot runs until every source has been refreshed at least once (the slowest end in the
20 s fetch timeout), then an admin asks /status and the bot gets SIGTERM. What must hold,
as the issue's owner will check: no traceback anywhere in the log, the good feed's
statements all stored, every failing source shown as failing with its reason by
`ladderwatch sources` and /status, no failing source refreshed more than its back-off
allows (poll interval 5 s, doubling: a handful of times in the first minute, where a
spinning scheduler made it dozens), and a clean exit on SIGTERM.
"""

from __future__ import annotations

from tests.faults.hostile import GOOD_ITEMS
from tests.faults.soak import soak

MOST_REFRESHES = 6  # 5 s, 10 s, 20 s, 40 s of back-off fit five refreshes in 75 s


def test_every_hostile_server_at_once_under_run(tmp_path):
    report = soak(75, tmp_path, until_all_tried=True)

    assert report.tracebacks == 0, report.log[-3000:]
    assert report.good_statements == GOOD_ITEMS
    assert len(report.failing) >= 25, sorted(report.failing.values())
    assert report.not_shown_failing() == []
    assert report.most_refreshes_of_a_failing_source <= MOST_REFRESHES
    assert report.exit_code == 0
