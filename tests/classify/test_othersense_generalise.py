"""Conflict words in another sense, each read as a family across languages:

- offensive: offensives, wars, assaults and pre-emptive strikes against inflation, rents,
  bills, tax evasion, the shadow economy, hoarding, a budget or a disease are campaigns
  (en, es, it, fr, pt, de, uk, ru, fa, ar), and money shelled out is spending; an
  offensive on a city, a stronghold or a camp beside the same price words stays an act;
- labour: a strike named by its strikers (the pilots', the truckers', a strike by port
  workers) sets a labour context: the flights it cancels, the port it shuts and the calls on
  both sides to return to the table are no sanction and no diplomacy;
- closure: a crossing shut for road works, an embassy closed for a storm warning;
- sport: a side crushed by four goals to nil, even with a foreign minister watching;
- heritage: a war museum, a military band, a bullet removed decades on, which the learned
  reading took for armed conflict (`hides` keeps it off);
- pests: locust swarms invade and overrun provinces;
- title: fr "le chef de la diplomatie" is a title, and homage to the fallen of a past battle
  a commemoration.

Every sentence was written for its family, never copied from a labelled set; near-misses
(real offensives, strikes and invasions beside the same words) keep their reading.
"""

import pytest

from tests.support.labelled import DATA, assert_reads, family_coverage, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_othersense.jsonl")
# family → languages where the construction is read by at least two sentences
FAMILIES = {
    "offensive": ("en", "es", "it", "fr", "pt", "de", "uk", "ru", "fa", "ar"),
    "labour": ("en",),
    "closure": ("en",),
    "sport": ("en",),
    "heritage": ("en",),
    "pests": ("en",),
    "title": ("fr",),
}


@pytest.mark.parametrize("item", PARAPHRASES, ids=[item["id"] for item in PARAPHRASES])
def test_each_family_reads_its_paraphrase(classifier, item):
    assert_reads(classifier, item)


def test_every_family_has_two_sentences_per_language_and_near_misses():
    sentences, near_misses = family_coverage(PARAPHRASES)
    for family, langs in FAMILIES.items():
        for lang in langs:
            assert sentences[(family, lang)] >= 2, (family, lang)
        assert near_misses[family] >= 1, family


def test_a_strike_named_by_its_strikers_damps_the_flights_it_cancels(rules_only):
    hits = rules_only.lexicons["en"].scan("The controllers' strike forced the cancellation of 90 flights.").hits
    assert [hit.category for hit in hits] == ["punitive_measure"]
    assert hits[0].weight < hits[0].entry.weight / 2


def test_hides_keeps_the_learned_reading_off_a_phrase_without_cue_words(rules_only):
    scan = rules_only.lexicons["en"].scan("A blaze broke out at the military history museum.")
    assert scan.hits == [] and "escalation" in scan.hidden
