"""Every hostile feed of issue 9, served beside a good feed: no crash, the good feed arrives.

Each case (tests/faults/hostile.py) is the smallest input that once ended `poll --once`
with a traceback, or was silently misread. Here none may escape `main`, print a
traceback or stop the good feed; the hostile source is failing with its reason and backed
off, or read correctly.
"""

from __future__ import annotations

import pytest

from tests.faults.hostile import CASES, GOOD_ITEMS, resolve_env, run_case


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_hostile_feed_crashes_nothing_and_the_good_feed_arrives(case, feed_server, tmp_path):
    outcome = run_case(resolve_env(case, feed_server), feed_server, tmp_path)

    assert outcome.crashed is None
    assert not outcome.traceback_printed, outcome.err
    assert outcome.exit_code == 0, outcome.err
    assert outcome.good_statements == GOOD_ITEMS
    case.check(outcome)
