"""General rules found on the second incidental-word batch (`incidental2/en.jsonl`), each
checked on three or more paraphrases written for it (`incidental2/rules.jsonl`, field
`rule`), none of them a sentence of the batch.

The rules: armed actors in a sentence make another domain's words there incidental; a
time or cause clause ("abandoned when shells landed") leaves an avoidance verb behind;
a word shared by a cue and an other-sense phrase reads in that phrase's sense; and other
senses of truce, attack, invade, shoot down, fire, war and bomb; incursions, coups and
freed detainees as acts; an other-sense phrase beating a cue that starts where it does.
"""

import json
from pathlib import Path

import pytest

RULES = Path(__file__).parents[1] / "data" / "classify" / "incidental2" / "rules.jsonl"
ROWS = [json.loads(line) for line in RULES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_rule_has_three_paraphrases():
    counts: dict[str, int] = {}
    for row in ROWS:
        counts[row["rule"]] = counts.get(row["rule"], 0) + 1
    assert len(counts) >= 10 and min(counts.values()) >= 3, counts


@pytest.mark.parametrize("row", ROWS, ids=[f"{row['rule']}:{row['id']}" for row in ROWS])
def test_the_rule_holds_on_its_paraphrase(classifier, row):
    assert classifier.classify(row["text"], row["lang"]).label.value == row["label"], row["text"]
