"""The red-team catalogue (tests/faults/hostile_servers.py) through `ladderwatch poll --once`.

Each hostile peer is a real loopback server next to a good feed. Nothing may escape
`main`, print a traceback or stop the good feed; the hostile source is failing with a
reason that names what went wrong and backed off, or it is read correctly. Cases that
end in the fetch timeout run with a 2-second timeout instead of 20, so the suite stays
short; the figures script (`python -m tests.faults.figures`) runs them with the real one.
"""

from __future__ import annotations

import pytest

from bot.reader.fetcher import Fetcher
from tests.faults.hostile import GOOD_ITEMS
from tests.faults.hostile_servers import CASES, run_server_case


@pytest.fixture
def short_fetch_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fetcher's whole-request timeout at 2 s (the setting is 20 s, a constant of the code)."""
    defaults = dict(Fetcher.__init__.__kwdefaults__ or {})
    monkeypatch.setattr(Fetcher.__init__, "__kwdefaults__", {**defaults, "timeout": 2.0})


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_hostile_server_crashes_nothing_and_the_good_feed_arrives(case, feed_server, tmp_path, short_fetch_timeout):
    outcome = run_server_case(case, feed_server, tmp_path)

    assert outcome.crashed is None
    assert not outcome.traceback_printed, outcome.err
    assert outcome.exit_code == 0, outcome.err
    assert outcome.good_statements == GOOD_ITEMS
    case.check(outcome)
