"""Spanish, Italian, Portuguese, French and German families found by probing the offline
classifier with invented official statements (probe rounds, then dev5): threats without a
weapon (the price, the regret, the consequences), vows with every force or measure,
steps reserved, talks ruled out or invitations refused, the door left open to talks,
channels kept open, envoys back at post or called home for consultations, punitive
measures in nominal and passive forms, reinforced presence, storming and hostage-taking,
negated intent said with verbs of aggravating, sanctions or tariffs left without effect,
German separable verbs and verb-final clauses. Each family is read from sentences
invented for it, never from the item that showed the gap; near-misses (prices,
droughts, legal action, cyber protection, open doors of consulates) keep their reading.
"""

import pytest

from bot.model import Label
from tests.support.labelled import DATA, macro_f1, read_items

LANGS = ("es", "it", "pt", "fr", "de")

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_cls_rom.jsonl")


@pytest.mark.parametrize("item", PARAPHRASES, ids=[item["id"] for item in PARAPHRASES])
def test_each_family_reads_its_paraphrase(classifier, item):
    verdict = classifier.classify(item["text"], item["lang"])
    assert verdict.label == Label(item["label"]), (item["note"], verdict.cues)


def test_paraphrases_cover_every_language_with_near_misses():
    for lang in LANGS:
        items = [item for item in PARAPHRASES if item["lang"] == lang]
        assert len(items) >= 60
        assert sum(item["note"].startswith("near-miss") for item in items) >= 8


@pytest.mark.parametrize("lang", LANGS)
def test_dev5_offline_macro_f1(classifier, lang):
    """dev5 (tunable): first-sight offline figures for these languages were 0.67-0.82;
    the gate keeps the families from regressing."""
    items = read_items(DATA / "dev5" / f"{lang}.jsonl")
    assert macro_f1(classifier, items) >= 0.9
