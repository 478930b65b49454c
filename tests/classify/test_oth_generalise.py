"""Offline rules for ar/fa/ur/he/tr written after the blind3 batch was released for tuning:
each is a construction of the language (clitics on negators and context words, verb and
masdar families of a closure, 'will not stand idly by', withdrawals set as preconditions,
Turkish negative converbs, Hebrew construct plurals…), read from sentences worded unlike
the blind3 item that exposed the gap, with near misses that must stay as they are."""

import pytest

from bot.model import Label
from tests.support.labelled import DATA, MODEL_MISREADS, macro_f1, read_items, with_known_gaps

LANGS = ("ar", "fa", "ur", "he", "tr")


PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_oth.jsonl")
BLIND3 = [item for lang in LANGS for item in read_items(DATA / "blind3" / f"{lang}.jsonl")]


@pytest.mark.parametrize("item", with_known_gaps(PARAPHRASES, MODEL_MISREADS))
def test_each_rule_reads_its_paraphrase(classifier, item):
    verdict = classifier.classify(item["text"], item["lang"])
    assert verdict.label == Label(item["label"]), (item["rule"], verdict.cues)


def test_every_language_has_paraphrases():
    assert {item["lang"] for item in PARAPHRASES} == set(LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_blind3_offline_macro_f1(classifier, lang):
    """Tuned on since its release (first sight 0.70-0.85 per language): the gate keeps it."""
    items = [item for item in BLIND3 if item["lang"] == lang]
    assert macro_f1(classifier, items) >= 0.95
