"""Scope gaps found by fresh paraphrases, each read as a family across languages:

- neg_end: a negation fused into or following an avoidance verb cancels it ("saldırılarını
  durdurmadı", "攻撃をやめていない", "공격을 멈추지 않았다", "हमले नहीं रोकेगी"): the act stays an act;
- lookback: in verb-final languages a negator after the act flips it, but not across a
  clause or another cue ("ミサイルを発射し、対話には応じない" keeps the launch);
- lift: German infinitive and passive clauses end with the avoidance verb, which reaches back
  ("von … Abstand zu nehmen", "die Sanktionen … werden mit sofortiger Wirkung aufgehoben"),
  and sanctions lifted across long verb-final gaps in tr, ja, ko, hi, fa, ur;
- cause: emergency-response words (fire, rescuers, firefighters) never hide the strike
  that caused them, while natural hazards still damp;
- ko_neg: Korean 안/못 before the verb and -지 않다/-지 못하다 after it;
- truce_broken: a ceasefire that collapsed, broke down or failed is a broken ceasefire.

Every sentence was written for its family, never copied from a labelled set; near-misses
(affirmative endings, hazards, held truces, tightened sanctions) keep their reading. First
sight on main de82dcb: 83 of the first 151 read right.
"""

from collections import Counter

import pytest

from bot.model import Label
from tests.support.labelled import DATA, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_gaps.jsonl")
# family → languages where the construction exists and is read by at least three sentences
FAMILIES = {
    "neg_end": ("tr", "ja", "ko", "hi"),
    "lookback": ("ja", "ko", "tr", "hi"),
    "lift": ("de", "tr", "ja", "ko", "hi", "fa", "ur"),
    "cause": ("en",),
    "ko_neg": ("ko",),
    "truce_broken": ("en", "de", "fr", "es", "ru", "tr", "ja", "ko"),
}


def _family(item: dict) -> str:
    return item["id"].split("-")[1]


@pytest.mark.parametrize("item", PARAPHRASES, ids=[item["id"] for item in PARAPHRASES])
def test_each_family_reads_its_paraphrase(classifier, item):
    verdict = classifier.classify(item["text"], item["lang"])
    assert verdict.label == Label(item["label"]), (item["note"], verdict.cues)


def test_every_family_has_three_sentences_per_language_and_near_misses():
    counts = Counter((_family(item), item["lang"]) for item in PARAPHRASES)
    for family, langs in FAMILIES.items():
        for lang in langs:
            assert counts[(family, lang)] >= 3, (family, lang)
        near_misses = [item for item in PARAPHRASES if _family(item) == family and item["note"].startswith("near-miss")]
        assert len(near_misses) >= 2, family


def _hits(rules_only, text: str, lang: str) -> list[tuple[str, str]]:
    return [(hit.text, hit.category) for hit in rules_only.lexicons[lang].scan(text).hits]


def test_a_fused_negation_cancels_the_avoidance_verb(rules_only):
    assert _hits(rules_only, "Ordu saldırılarını durdurmadı.", "tr") == [("saldırılarını", "reported_attack")]
    assert _hits(rules_only, "Ordu saldırılarını durdurdu.", "tr")[0][1] == "ceasefire"


def test_a_negation_closely_after_the_avoidance_verb_cancels_it_but_an_obligation_does_not(rules_only):
    assert ("공격을", "reported_attack") in _hits(rules_only, "군은 공격을 멈추지 않았다.", "ko")
    assert ("공격을", "intent_not_escalate") in _hits(rules_only, "군은 공격을 멈췄다.", "ko")


def test_only_a_clause_final_avoidance_verb_reaches_back(rules_only):
    final = _hits(rules_only, "Wir fordern Moskau auf, von weiteren Luftangriffen Abstand zu nehmen.", "de")
    assert final == [("Luftangriffen", "intent_not_escalate")]
    second = _hits(rules_only, "Nach dem Angriff beendete die Armee ihre Übung im Norden.", "de")
    assert ("Angriff", "reported_attack") in second


def test_emergency_words_damp_weak_words_but_not_the_strike(rules_only):
    strike = rules_only.lexicons["en"].scan("A fire broke out after the missile strike; firefighters are on site.").hits
    assert max(hit.weight for hit in strike) >= 7.5
    hazard = rules_only.lexicons["en"].scan("Rescuers searched the rubble after the earthquake and the explosion.").hits
    assert all(hit.weight < 3.0 for hit in hazard)
