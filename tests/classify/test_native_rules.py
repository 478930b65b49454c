"""Native-language rules for official phrasing (restored relations, rejected ultimatums,
halted hostile acts, lifted counter-measures, drills, privative 'non-', sport sanctions,
labour strikes). Each rule has a second, differently worded sentence in
tests/data/classify/native_rules/ besides the dev_native item that motivated it; both are
read offline, from the original text only."""

import json
from pathlib import Path

import pytest

from bot.evaluate import evaluate
from bot.model import Label

DATA = Path(__file__).parents[1] / "data" / "classify"


def _items(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


PARAPHRASES = _items(DATA / "native_rules" / "paraphrases.jsonl")
NATIVE = [item for path in sorted((DATA / "dev_native").glob("*.jsonl")) for item in _items(path)]


@pytest.mark.parametrize("item", PARAPHRASES, ids=[item["id"] for item in PARAPHRASES])
def test_each_native_rule_reads_its_paraphrase(classifier, item):
    assert classifier.classify(item["text"], item["lang"]).label == Label(item["label"]), item["rule"]


def test_dev_native_offline_macro_f1(classifier):
    """Tuned on (first sight offline: batch 1 0.938, batch 2 0.827, batch 3 0.836):
    the gate keeps the rules from regressing."""
    predicted = [classifier.classify(item["text"], item["lang"]).label.value for item in NATIVE]
    report = evaluate([(item["label"], item.get("also", [])) for item in NATIVE], predicted)
    assert report.macro_f1 >= 0.97


def test_every_native_language_is_in_the_batch():
    langs = {item["lang"] for item in NATIVE}
    assert len(langs) == 16 and "en" not in langs
    for lang in langs:
        assert sum(item["lang"] == lang for item in NATIVE) >= 8
