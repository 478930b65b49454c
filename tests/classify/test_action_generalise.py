"""Generic words for military action in every language: military action or operation,
hostilities, offensive, clash(es), armed or military conflict, the infinitive 'to attack'.
Paraphrase probes found them missing in several lexicons (ko 군사 행동 / 공세, zh and ja
攻势 / 攻勢, fa اقدام نظامی, he לתקוף, it scontro, fr initiative militaire, de
militärische Handlung / militärischer Konflikt, ru and uk военные / військові действия);
they now read as their English equivalents do. The same probes showed military action
rejected or opposed ("we reject any military action and call for talks") read as an
escalation, and "no military solution" missing in some wordings. Each family is read
from sentences invented for it; near-misses (a team's offensive, price and charm
offensives, a clash of opinions, an action film, the onset of spring) keep their reading.
"""

import pytest

from bot.model import Label
from tests.support.labelled import DATA, read_items, with_known_gaps

LANGS = ("en", "es", "it", "pt", "fr", "de", "ru", "uk", "zh", "ja", "ko", "hi", "ar", "fa", "ur", "he", "tr")

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_action.jsonl")

KNOWN_GAPS = {
    "act-de-10": "militärische Maßnahmen is no cue, as 'military measures' is none in English (int-de-01)",
}


@pytest.mark.parametrize("item", with_known_gaps(PARAPHRASES, KNOWN_GAPS))
def test_each_family_reads_its_paraphrase(classifier, item):
    verdict = classifier.classify(item["text"], item["lang"])
    assert verdict.label == Label(item["label"]), (item["note"], verdict.cues)


def test_paraphrases_cover_every_language_with_near_misses():
    for lang in LANGS:
        items = [item for item in PARAPHRASES if item["lang"] == lang]
        assert sum(item["label"] == "escalation" for item in items) >= 3, lang
        assert sum(item["label"] == "de-escalation" for item in items) >= 2, lang
        assert sum(item["note"].startswith("near-miss") for item in items) >= 2, lang


@pytest.mark.parametrize(
    ("text", "lang", "label"),
    [
        # the generic word under a negated intent reads as an intent not to escalate
        ("우리는 어떠한 군사 행동도 할 계획이 없다.", "ko", Label.DEESCALATION),
        ("Мы не собираемся вести военные действия против соседей.", "ru", Label.DEESCALATION),
        # without the negator it is a plan to act
        ("군은 국경 지역에서 군사 행동을 할 계획이다.", "ko", Label.ESCALATION),
        ("Армия готовится начать военные действия на юге.", "ru", Label.ESCALATION),
    ],
)
def test_negated_intent_scopes_over_the_generic_word(classifier, text, lang, label):
    assert classifier.classify(text, lang).label == label
