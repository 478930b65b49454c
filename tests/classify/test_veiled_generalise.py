"""Veiled threats, deadline expulsions and denials of intent, each read as a family across languages:

- threat: warnings with no weapon named ("our patience is not inexhaustible", "will soon
  realise he has miscalculated", "the price will be unbearable", "the consequences are theirs
  to bear", "does not rule out / not excluding military action", "the military option has not
  been taken off the table", "we reserve all further steps") and force promised against
  whatever vessel acts ("any vessel that fires on our trawlers will be sunk");
- deny: an intent to attack denied or disowned, where the quantifier ("any attack", "herhangi
  bir saldırı", "أي هجوم") belongs to the denial and must not read as a conditional threat,
  and purely defensive exercises beside it add no show of force;
- truce: a truce declared over, operations to resume, naval mines laid;
- expel: diplomats given until a day, or a number of hours, to leave the country.

Every sentence was written for its family, never copied from a labelled set; near-misses
(a teacher's patience, legal steps reserved, the price of bread, mines laid idle, a typhoon
evacuation) keep their reading.
"""

import pytest

from tests.support.labelled import DATA, MODEL_MISREADS, assert_reads, family_coverage, read_items, with_known_gaps

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_veiled.jsonl")
# family → languages where the construction exists and is read by at least two sentences
FAMILIES = {
    "threat": ("en", "tr", "ar", "de", "it", "he", "pt"),
    "deny": ("en", "tr", "ar", "de", "fr", "he", "fa"),
    "truce": ("en",),
    "expel": ("en", "ja"),
}


@pytest.mark.parametrize("item", with_known_gaps(PARAPHRASES, MODEL_MISREADS))
def test_each_family_reads_its_paraphrase(classifier, item):
    assert_reads(classifier, item)


def test_every_family_has_two_sentences_per_language_and_near_misses():
    sentences, near_misses = family_coverage(PARAPHRASES)
    for family, langs in FAMILIES.items():
        for lang in langs:
            assert sentences[(family, lang)] >= 2, (family, lang)
        assert near_misses[family] >= 2, family


def _hits(rules_only, text: str, lang: str) -> list[tuple[str, str]]:
    return [(hit.text, hit.category) for hit in rules_only.lexicons[lang].scan(text).hits]


def test_the_quantified_object_of_a_denied_intent_is_no_conditional_threat(rules_only):
    for text, lang in (
        ("لا نية لدى الحكومة لشن أي هجوم على جيرانها.", "ar"),
        ("Ülkemizin komşularına karşı herhangi bir saldırı niyeti bulunmamaktadır.", "tr"),
    ):
        assert {category for _, category in _hits(rules_only, text, lang)} == {"intent_not_escalate"}, text
    assert ("أي هجوم", "conditional_threat") in _hits(rules_only, "أي هجوم على أراضينا سيقابل برد حاسم.", "ar")


def test_a_truce_declared_over_is_broken_while_a_war_declared_over_ends(rules_only):
    broken = _hits(rules_only, "The truce is over, the spokesman said.", "en")
    assert broken == [("truce is over", "ceasefire_violation")]
    assert _hits(rules_only, "The war is over, the spokesman said.", "en") == [("war is over", "ceasefire")]
