"""Offline rules for ru, uk, zh, ja, ko and hi written against blind3 (released for tuning)
as constructions of the language, not sentences: each is read from fresh paraphrases
(native_rules/paraphrases_oth2.jsonl) worded differently from the item that motivated it,
with near misses that must keep their own label.

Families: intent denied in every tense and 'plans no action against' (ru, uk), respect for
sovereignty (weak), incidents prevented and deconfliction, welcomed treaties, strikes on a
named target that an incidental word no longer hides (and halts that take the target
along), hockey in the sport context, blows to budgets (uk); import and flight suspensions
vs quarantine, export controls lifted, channels kept open, never starting a war (zh);
'しないよう求める' as an appeal, the classical negative ならず, the door to dialogue,
incident prevention agreed vs demanded, dangerous intercepts (ja); compound missile names,
accords suspended or restored, consular travel advice (ko); armed encounters (hi)."""

import pytest

from bot.model import Label
from tests.support.labelled import DATA, macro_f1, read_items

LANGS = ("ru", "uk", "zh", "ja", "ko", "hi")


PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_oth2.jsonl")


@pytest.mark.parametrize("item", PARAPHRASES, ids=[item["id"] for item in PARAPHRASES])
def test_each_oth2_rule_reads_its_paraphrase(classifier, item):
    verdict = classifier.classify(item["text"], item["lang"])
    assert verdict.label == Label(item["label"]), (item["rule"], verdict.cues)


def test_every_language_has_paraphrases_and_near_misses():
    for lang in LANGS:
        items = [item for item in PARAPHRASES if item["lang"] == lang]
        assert len(items) >= 2, lang


@pytest.mark.parametrize("lang", LANGS)
def test_blind3_offline_macro_f1(classifier, lang):
    """Tuned on after its first-sight measure (offline non-English 0.819 over all languages):
    the gate keeps these six from regressing."""
    items = read_items(DATA / "blind3" / f"{lang}.jsonl")
    assert macro_f1(classifier, items) >= 0.95
