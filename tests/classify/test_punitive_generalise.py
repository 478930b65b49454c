"""Punitive measures beyond the word for sanctions, read as a family in 16 languages:

- impose: entry, travel and visa bans on officials, import and export bans and restrictions,
  export controls, asset freezes, flights and trade suspended ("verhängt ein Einreiseverbot",
  "gèle les avoirs", "запретила импорт", "입국을 금지했다") are punitive measures;
- lift: the same measures lifted, eased or suspended, in active, passive and verb-final forms
  and with compounds ("Die Einfuhrbeschränkungen und Einreiseverbote wurden aufgehoben",
  "les avoirs gelés ont été dégelés", "入国禁止措置が解除された") are the language's existing
  lift entry, extended rather than copied.

English (en.punitive.*, en.agreement.lift / lifted / unfrozen) already read both. Near-misses
keep their other sense: a smoking or fishing ban, an import ban against an animal or plant
disease, a court or the police freezing a company's accounts. Every sentence was written for
its family, never copied from a labelled set. First sight on main b11a352: 80 of the first
189 read right.
"""

from collections import Counter

import pytest

from tests.support.labelled import DATA, assert_reads, family_of, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_punitive.jsonl")
LANGS = ("ar", "de", "es", "fa", "fr", "he", "hi", "it", "ja", "ko", "pt", "ru", "tr", "uk", "ur", "zh")
FAMILIES = ("impose", "lift")


@pytest.mark.parametrize("item", PARAPHRASES, ids=[item["id"] for item in PARAPHRASES])
def test_each_family_reads_its_paraphrase(classifier, item):
    assert_reads(classifier, item)


def test_every_language_has_both_families_and_near_misses():
    acts = Counter((family_of(item), item["lang"]) for item in PARAPHRASES if item["label"] != "neutral")
    near = Counter(item["lang"] for item in PARAPHRASES if item["note"].startswith("near-miss"))
    for lang in LANGS:
        for family in FAMILIES:
            assert acts[(family, lang)] >= 3, (family, lang)
        assert near[lang] >= 2, lang


def _categories(rules_only, text: str, lang: str) -> list[str]:
    return [hit.category for hit in rules_only.lexicons[lang].scan(text).hits]


def test_a_lifted_compound_is_one_step_back_not_a_new_measure(rules_only):
    lifted = "Die Einfuhrbeschränkungen und Einreiseverbote wurden aufgehoben."
    assert _categories(rules_only, lifted, "de") == ["agreement"]
    imposed = "Russland verhängt ein Einreiseverbot gegen zwölf Abgeordnete."
    assert _categories(rules_only, imposed, "de") == ["punitive_measure"]


def test_a_court_freezing_assets_hides_the_freeze(rules_only):
    assert _categories(rules_only, "Суд заморозил активы компании по делу о мошенничестве.", "ru") == []
    assert _categories(rules_only, "Правительство заморозило активы центробанка.", "ru") == ["punitive_measure"]
