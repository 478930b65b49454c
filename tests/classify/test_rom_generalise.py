"""Spanish, Italian, Portuguese, French and German rules written after the blind3 batch
was released for tuning: each rule states a construction of the language (a verb in all
its persons and tenses, a category filled the way a ministry says it, an other-sense
family) and is read offline from sentences invented for it, never from the blind3 item
that motivated it; near-misses keep the neutral or opposite reading."""

import pytest

from bot.model import Label
from tests.support.labelled import DATA, macro_f1, read_items

LANGS = ("es", "it", "pt", "fr", "de")


PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_rom.jsonl")


@pytest.mark.parametrize("item", PARAPHRASES, ids=[item["id"] for item in PARAPHRASES])
def test_each_rule_reads_its_paraphrase(classifier, item):
    verdict = classifier.classify(item["text"], item["lang"])
    assert verdict.label == Label(item["label"]), (item["rule"], verdict.cues)


def test_paraphrases_cover_every_language():
    for lang in LANGS:
        assert sum(item["lang"] == lang for item in PARAPHRASES) >= 6


@pytest.mark.parametrize("lang", LANGS)
def test_blind3_offline_macro_f1(classifier, lang):
    """blind3, released for tuning after its first-sight measure (offline: es 0.850, it 0.698,
    pt 0.902, fr 0.845, de 0.892): the gate keeps the rules from regressing."""
    items = read_items(DATA / "blind3" / f"{lang}.jsonl")
    assert macro_f1(classifier, items) >= 0.95
