"""Crisis sentences carrying an incidental word from another domain (prices, season,
match, festival…), and everyday sentences using conflict words in other senses.

An incidental word may damp an ambiguous cue, never hide a specific act: at most
`MAX_WRONG` of the set may be misread. `incidental.jsonl` was written first and then
used to find general rules (15 of 75 wrong before them); `fresh.jsonl` was written
after those rules and measured once, untouched since (see /work/team/README-rules.md).
`incidental2/en.jsonl` came later still: written before it was ever scored, first read
42 of 64 right, then used to find the rules in `test_incidental_rules.py`.
"""

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parents[1] / "data" / "classify"
FOLDERS = (DATA / "incidental", DATA / "incidental2")
MAX_WRONG = 2


def _items() -> list[dict]:
    items = []
    for path in (path for folder in FOLDERS for path in sorted(folder.glob("*.jsonl"))):
        items += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return items


def test_the_set_is_large_and_varied():
    items = _items()
    assert len(items) >= 60
    assert {item["label"] for item in items} == {"escalation", "de-escalation", "neutral"}
    assert len({item["lang"] for item in items}) >= 5


def test_incidental_words_misread_at_most_max_wrong(classifier):
    wrong = [
        (item["id"], item["label"], verdict.label.value)
        for item in _items()
        if (verdict := classifier.classify(item["text"], item["lang"])).label.value != item["label"]
    ]
    assert len(wrong) <= MAX_WRONG, wrong


@pytest.mark.parametrize("lang", ["en", "es", "fr", "de", "ar"])
def test_every_language_in_the_set_has_a_crisis_sentence(lang):
    assert any(item["lang"] == lang and item["label"] != "neutral" for item in _items())
