"""Talks resumed or halted, reopenings and repatriations, read as families across languages:

- resume: talks, negotiations or dialogue resuming or restarting, also when their earlier
  suspension is named before them ("the suspended talks will resume", "중단됐던 군사회담을
  재개", "重启中断两年的谈判"): the suspension is absorbed by the restart, not a rejection;
- halt: talks halted until further notice or indefinitely, a delegation recalled or home
  ("our delegation has returned home" is no prisoner return);
- reopen: embassies, consulates and crossings reopening, direct flights resuming; a fight
  named in the closure's since/after clause is background the reopening absorbs;
- repat: detained sailors, soldiers or fishermen repatriated (ko 송환, fr rapatriés).

Every sentence was written for its family, never copied from a labelled set; near-misses
(fighting resumed, classes resumed, a trade delegation home, profits repatriated, a museum
reopening) keep their reading. First sight on main 6cd6b7c: 63 of 168 read right. Arabic,
Hebrew, Hindi and Urdu sentences not yet read are strict xfails below.
"""

from collections import Counter

import pytest

from tests.support.labelled import DATA, assert_reads, family_of, read_items, with_known_gaps

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_talks.jsonl")
ALL_LANGS = ("en", "de", "fr", "es", "it", "pt", "ru", "uk", "zh", "ja", "ko", "tr", "fa", "ar", "he", "hi", "ur")
# family → languages where the construction is read by at least two sentences
FAMILIES = {
    "resume": ALL_LANGS,
    "halt": ALL_LANGS,
    "reopen": ALL_LANGS,
    "repat": ALL_LANGS,
}
KNOWN_GAPS = {
    "talks-resume-he-01": "not yet read in he",
    "talks-resume-he-02": "not yet read in he",
    "talks-resume-ur-01": "not yet read in ur",
    "talks-halt-he-01": "not yet read in he",
    "talks-halt-he-02": "not yet read in he",
    "talks-halt-hi-01": "not yet read in hi",
    "talks-halt-hi-02": "not yet read in hi",
    "talks-halt-ur-02": "not yet read in ur",
    "talks-reopen-ar-02": "not yet read in ar",
    "talks-reopen-he-02": "not yet read in he",
    "talks-repat-ar-02": "not yet read in ar",
    "talks-repat-he-01": "not yet read in he",
    "talks-repat-he-02": "not yet read in he",
    "talks-repat-hi-01": "not yet read in hi",
    "talks-repat-ur-01": "not yet read in ur",
    "talks-repat-ur-02": "not yet read in ur",
}


@pytest.mark.parametrize("item", with_known_gaps(PARAPHRASES, KNOWN_GAPS))
def test_each_family_reads_its_paraphrase(classifier, item):
    assert_reads(classifier, item)


def test_every_family_has_two_sentences_per_language_and_near_misses():
    counts = Counter((family_of(item), item["lang"]) for item in PARAPHRASES)
    for family, langs in FAMILIES.items():
        for lang in langs:
            assert counts[(family, lang)] >= 2, (family, lang)
    near_misses = Counter(family_of(item) for item in PARAPHRASES if item["note"].startswith("near-miss"))
    for family in FAMILIES:
        assert near_misses[family] >= 1, family
    assert sum(near_misses.values()) >= 8


def _hits(rules_only, text: str, lang: str) -> list[tuple[str, str]]:
    return [(hit.text, hit.category) for hit in rules_only.lexicons[lang].scan(text).hits]


def test_a_suspension_named_before_the_restart_is_absorbed(rules_only):
    hits = _hits(rules_only, "The suspended border talks will resume in Geneva on Thursday.", "en")
    assert all(category != "reject_talks" for _, category in hits)


def test_the_fight_in_a_closure_clause_is_background(rules_only):
    hits = _hits(rules_only, "The consulate, shut since the clashes in August, reopens its doors on Friday.", "en")
    assert [category for _, category in hits] == ["agreement"]


def test_a_delegation_home_is_no_prisoner_return(rules_only):
    hits = _hits(rules_only, "The trade delegation returned home from the fair with new orders.", "en")
    assert all(category != "prisoner_exchange" for _, category in hits)
