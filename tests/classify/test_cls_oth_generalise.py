"""Offline rules for ar, fa, ur, he and tr written against invented probe statements, as
constructions of each language rather than sentences: every family is read from fresh
paraphrases (native_rules/paraphrases_cls_oth.jsonl, ids `pco-`) worded apart from the
probe that motivated it, with near misses that must keep their own label.

Families: threats without a weapon (patience with a limit, a deed that will not go
unanswered or unpunished); the door to talks kept open; ambassadors back at their post
against ambassadors recalled for consultations; truce violations with clitics; Persian
clauses that end at the verb (a negated verb does not reach past و), verb-last sanctions
lifted and units dispatched; storming a post (ur); terrorists as the subject of an act and
sport words for the match (he); gates reopened and ambassadors summoned in the passive (tr).
"""

import pytest

from bot.model import Label
from tests.support.labelled import DATA, read_items

LANGS = ("ar", "fa", "ur", "he", "tr")

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_cls_oth.jsonl")


@pytest.mark.parametrize("item", PARAPHRASES, ids=[item["id"] for item in PARAPHRASES])
def test_each_cls_oth_rule_reads_its_paraphrase(classifier, item):
    verdict = classifier.classify(item["text"], item["lang"])
    accepted = {Label(item["label"]), *(Label(label) for label in item.get("also", []))}
    assert verdict.label in accepted, (item["note"], verdict.cues)


def test_every_language_has_paraphrases_and_near_misses():
    for lang in LANGS:
        items = [item for item in PARAPHRASES if item["lang"] == lang]
        assert len(items) >= 2, lang
        assert any(item["note"].startswith("near miss") for item in items), lang
