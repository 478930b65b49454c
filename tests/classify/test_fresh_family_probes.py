"""Sentences for the 2026-12-07 evening's rule families, written afterwards by a helper who
saw neither the rules nor their paraphrases (given only each family's description). At first
sight 38 of 66 read right; the rules were then widened where the construction was general
(a cause with a place after it, "resulted from", "killed and two injured when", an accord
that ended the fighting, workers who voted overwhelmingly to strike, nurses or parents
mobilising, coalition partners agreeing a truce, fr "se mobilisent"): 47 of 66. After the
incidental8 round (passive subjects up to 24 words, people attacked by animals outdoors,
withdrawals from a named race, airspace closed to civilian traffic with the verb after,
experts monitoring an embargo, nurses who voted overwhelmingly to strike, de bank robberies;
plus a snowstorm no longer damping an expulsion, and a denial setting both sides aside so
the learned reading cannot read it as a step back): 57 of 66. The rest are strict xfails below:
those families are not general yet.
"""

import pytest

from tests.support.labelled import DATA, assert_reads, read_items, with_known_gaps

PROBES = read_items(DATA / "native_rules" / "probes_fresh_families.jsonl")
NOT_GENERAL_YET = {
    "fp-accident-3": "reads escalation (the learned reading alone)",
    "fp-cause-3": "reads escalation (the learned reading alone)",
    "fp-pasttruce-3": "reads de-escalation (peace accord, mediators, negotiations)",
    "fp-politruce-4": "reads escalation (scontro)",
    "fp-routine-3": "reads escalation (reservists)",
    "fp-denialthat-2": "reads escalation (enemy, accusations, fighters killed)",
}


@pytest.mark.parametrize("item", with_known_gaps(PROBES, NOT_GENERAL_YET))
def test_each_fresh_sentence_reads_its_label(classifier, item):
    assert_reads(classifier, item)
