"""Issue 9, item 12: no text can make classification hang or eat the memory.

Each case runs in its own interpreter (tests/benchmarks/bench_worst_case.py) so that its
peak memory is its own. The time bounds are deliberately generous — the point is to
catch the quadratic blow-up ("no attack " × 800 took 13.7 s, 4.9 MB of conflict words
grew past 24 GB), not to benchmark. The bound is on CPU seconds, which a busy machine does not inflate the
way it does wall time; the wall-clock figures are printed by the benchmark script.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.classify.engine import MAX_CLASSIFIED_CHARS, capped

BENCH = Path(__file__).parents[1] / "benchmarks" / "bench_worst_case.py"
MAX_PEAK_MB = 300


def run_case(name: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--case", name, "--json"], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("case", "max_seconds"),
    [("no_attack_x800", 2.0), ("single_token", 2.0), ("conflict_words", 2.0)],
)
def test_worst_case_texts_stay_bounded(case, max_seconds):
    result = run_case(case)
    assert result["cpu_seconds"] < max_seconds, result
    assert result["peak_mb"] < MAX_PEAK_MB, result


def test_the_cap_cuts_at_a_word_edge_and_leaves_short_texts_alone():
    short = "Any attack will be met with a firm response."
    assert capped(short) is short
    long_text = "attack " * (MAX_CLASSIFIED_CHARS // 3)
    cut = capped(long_text)
    assert len(cut) <= MAX_CLASSIFIED_CHARS
    assert cut.endswith("attack")
    assert len(capped("a" * (MAX_CLASSIFIED_CHARS * 2))) == MAX_CLASSIFIED_CHARS


def test_a_cue_past_the_cap_is_not_read(classifier):
    filler = "The committee reviewed the annual report. " * (MAX_CLASSIFIED_CHARS // 40)
    late = filler + "Troops shelled the village and killed four soldiers."
    assert classifier.classify(late, "en").label.value == "neutral"
    assert classifier.classify(late[-60:], "en").label.value == "escalation"
