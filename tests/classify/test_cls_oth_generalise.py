"""Offline rules for ar, fa, ur, he and tr written against invented probe statements (ten
rounds, ids `pco-rN-`) and the tunable dev5 set, as constructions of each language rather
than sentences: every family is read from fresh paraphrases
(native_rules/paraphrases_cls_oth.jsonl, ids `pco-`) worded apart from the probe that
motivated it, with near misses that must keep their own label.

Families: threats without a weapon (patience with a limit, a deed that will not go
unanswered, 'they will regret it', a time and place of our choosing, a lesson they will
not forget, targets within range, security for all or for none, what is necessary will be
done); fighting resumed or a truce ended inside an ultimatum; attacks on a named target
beside prices or a fire the attack lit; the door to talks kept open, talks hosted,
invitations to talk vs offers rejected, boycotted talks, returns to the negotiating table;
ambassadors back at their post vs home for consultations, embassies reopened, relations
upgraded, embassy staff cut; sanctions struck off a list, waived, eased or lifted in the
verb-last and passive forms; truces and deals extended, demilitarised zones, joint patrols,
hotlines, deconfliction committees; amnesties and national reconciliation; operations
halted (not construction or vaccination drives); diplomats who are no diplomacy; labour,
road-accident, crime and holiday contexts; Persian clauses that end at the verb and
subjunctive forms, Turkish formal negatives (-mamaktadır), -madığı sürece conditions and
t→d softening, Hebrew final letters inside stems and clitics on verbs.
"""

import pytest

from bot.model import Label
from tests.support.labelled import DATA, MODEL_MISREADS, read_items, with_known_gaps

LANGS = ("ar", "fa", "ur", "he", "tr")

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_cls_oth.jsonl")


@pytest.mark.parametrize("item", with_known_gaps(PARAPHRASES, MODEL_MISREADS))
def test_each_cls_oth_rule_reads_its_paraphrase(classifier, item):
    verdict = classifier.classify(item["text"], item["lang"])
    accepted = {Label(item["label"]), *(Label(label) for label in item.get("also", []))}
    assert verdict.label in accepted, (item["note"], verdict.cues)


def test_every_language_has_paraphrases_and_near_misses():
    for lang in LANGS:
        items = [item for item in PARAPHRASES if item["lang"] == lang]
        assert len(items) >= 2, lang
        assert any(item["note"].startswith("near miss") for item in items), lang


@pytest.mark.parametrize("lang", LANGS)
def test_dev5_offline_stays_read(classifier, lang):
    """dev5 (tunable) read 63 of 80 of these five languages offline with main's lexicons, 67
    with probe round 1's rules in; every miss was fixed as a family, and the gate keeps it so."""
    items = read_items(DATA / "dev5" / f"{lang}.jsonl")
    wrong = [
        item["id"]
        for item in items
        if classifier.classify(item["text"], item["lang"]).label.value not in {item["label"], *item.get("also", [])}
    ]
    assert not wrong
