"""Russian, Ukrainian, Chinese, Japanese, Korean and Hindi rules written from probe rounds of
invented official statements (never from a set): each rule states a family (a call not to
take steps that worsen things, whatever the verb of refraining; talks hosted; the door to
talks open or shut; troops moved up in active and passive voice; veiled threats; trade
bans lifted) and is read offline from paraphrases written for it, with near-misses that
keep the neutral or opposite reading. The probe rounds themselves are scored too, so a
later rule cannot quietly undo one."""

from collections import Counter

import pytest

from bot.model import Label
from tests.support.labelled import DATA, read_items

LANGS = ("ru", "uk", "zh", "ja", "ko", "hi")

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_cls_asia.jsonl")
PROBES = read_items(DATA / "native_rules" / "probes_cls_asia.jsonl")


@pytest.mark.parametrize("item", PARAPHRASES, ids=[item["id"] for item in PARAPHRASES])
def test_each_rule_reads_its_paraphrase(classifier, item):
    verdict = classifier.classify(item["text"], item["lang"])
    assert verdict.label == Label(item["label"]), (item["rule"], verdict.cues)


def test_paraphrases_cover_every_language_with_near_misses():
    for lang in LANGS:
        mine = [item for item in PARAPHRASES if item["lang"] == lang]
        assert len(mine) >= 6
        assert any(item["note"] == "near-miss" for item in mine)


def test_probe_rounds_stay_read_offline(classifier):
    """The probe rounds (first-sight accuracy in the branch report) after their fixes:
    at most one miss in ten per language, so a later rule cannot undo a family unseen."""
    right, total = Counter(), Counter()
    for item in PROBES:
        total[item["lang"]] += 1
        right[item["lang"]] += classifier.classify(item["text"], item["lang"]).label == Label(item["label"])
    for lang in LANGS:
        assert right[lang] / total[lang] >= 0.9, (lang, right[lang], total[lang])
