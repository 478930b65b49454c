"""Negated intent and denial in the 16 non-English lexicons (`intent:` and `denial:` lists).

A negated intent word ("no intention of", "不打算", "意図はない", "niyetimiz yok") scopes
over its object like an avoidance verb: the act becomes a stated non-intent. A denial
("negó que", "отрицает, что", "否定した", "تردید کی") voids the act it denies. Verb-final
languages put the negator after the intent word (`intent_negation_after`) and the denial
after what it denies (`denial_reach`). The sentences were invented for these families and
scored before the lists were written (ids 01-10 of each language; 11 on were written with
the lists, to read each word family twice); near-misses (a stated intent to respond with force,
a refused visa, an unrelated denial beside a real attack) keep their reading.
"""

import pytest

from bot.classify import Classifier
from bot.classify.lexicon import load_package_data
from bot.model import Label
from tests.support.labelled import DATA, read_items, with_known_gaps

LANGS = ("es", "it", "pt", "fr", "de", "ru", "uk", "zh", "ja", "ko", "hi", "ar", "fa", "ur", "he", "tr")

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_intent.jsonl")

# Sentences these lists do not reach, with why: each is a gap of another kind.
KNOWN_GAPS = {
    "int-zh-01": "没有…的意图 puts the negator before the object and the intent word after it",
    "int-ja-08": "ビザ発給を拒否 reads as refusing talks",
    "int-hi-08": "वीज़ा reads as a punitive visa measure",
    "int-fa-08": "خودداری (refrained) reads as restraint",
    "int-tr-08": "vize vermeyi reddetti reads as refusing talks",
    "int-uk-16": "a cue between (дрони, drones) keeps the denial from the act it denies",
    "int-hi-15": "a cue between (ड्रोन, drone) keeps the denial from the act it denies",
    "int-ko-11": "the negated 원치 않으며 of the first clause flips the negated-intent cue of the second",
}


@pytest.mark.parametrize("item", with_known_gaps(PARAPHRASES, KNOWN_GAPS))
def test_each_family_reads_its_paraphrase(classifier, item):
    verdict = classifier.classify(item["text"], item["lang"])
    assert verdict.label == Label(item["label"]), (item["note"], verdict.cues)


def test_paraphrases_cover_every_language_with_near_misses():
    for lang in LANGS:
        items = [item for item in PARAPHRASES if item["lang"] == lang]
        intents = [item for item in items if item["note"].startswith("intent")]
        denials = [item for item in items if item["note"].startswith("denial")]
        assert len(intents) >= 2 and len(denials) >= 2
        assert sum(item["note"].startswith("near-miss") for item in items) >= 3


def test_every_language_lists_intent_and_denial_words():
    _, lexicons = load_package_data()
    for lang in LANGS:
        kinds = {modifier.kind for modifier in lexicons[lang].modifiers}
        assert {"intent", "denial"} <= kinds, lang


@pytest.mark.parametrize(
    ("text", "lang", "label"),
    [
        # the negator after the intent word, further than a plain negation reaches
        ("정부는 미사일 발사를 감행할 계획은 현재로서는 전혀 없다.", "ko", Label.DEESCALATION),
        ("政府は空爆を行う予定は現時点では全くない。", "ja", Label.DEESCALATION),
        ("सरकार का पड़ोसी देश पर प्रतिबंध लगाने का कोई इरादा नहीं है।", "hi", Label.DEESCALATION),
        ("حکومت کا پابندیاں لگانے کا کوئی ارادہ نہیں ہے۔", "ur", Label.DEESCALATION),
        # without the negator the intent stands
        ("정부는 미사일 발사를 감행할 계획이다.", "ko", Label.ESCALATION),
        ("حکومت پابندیاں لگانے کا ارادہ رکھتی ہے۔", "ur", Label.ESCALATION),
        # a denial after what it denies (verb-final), and one far before it (denial_reach)
        ("Bakanlık hastaneyi bombaladığı iddialarını yalanladı.", "tr", Label.NEUTRAL),
        ("रक्षा मंत्रालय ने इस बात से इनकार किया कि उसके विमानों ने अस्पताल पर बमबारी की।", "hi", Label.NEUTRAL),
        # a denial's own words are no cue ("rejected the accusations")
        ("הממשלה דחתה את הטענות שכוחותיה תקפו את הכפר.", "he", Label.NEUTRAL),
        # a denial whose words run over the comma reaches the clause it opens; a report does not
        ("Министерство отрицает, что его самолёты бомбили больницу.", "ru", Label.NEUTRAL),
        ("Министерство сообщило, что его самолёты бомбили позиции противника.", "ru", Label.ESCALATION),
    ],
)
def test_scope_settings(rules_only: Classifier, text, lang, label):
    assert rules_only.classify(text, lang).label == label
