"""Sentences for the incidental8 round's families (test_othersense5_generalise.py), written
afterwards by a helper who saw neither the rules nor their paraphrases (given only each
family's description). At first sight 69 of 80 read right. The rules were then widened where
the construction is general: an impediment that did not halt the strikes keeps them as an
act; guns trained on a fleet are a show of force; a currency with an adjective, funds, and
fire "from speculators" or "from regulators" are markets and criticism; offensive as a
judgement on a named thing ("found the comedian's remarks offensive"); truces announced by
feuding people (subject first) and truces in a row or a hedge dispute; any team that
bombards "la porta" and shots that "colpisce la traversa" (it). 80 of 80 after.
"""

import pytest

from tests.support.labelled import DATA, assert_reads, read_items

PROBES = read_items(DATA / "native_rules" / "probes_fresh_families5.jsonl")


@pytest.mark.parametrize("item", PROBES, ids=[item["id"] for item in PROBES])
def test_each_fresh_sentence_reads_its_label(classifier, item):
    assert_reads(classifier, item)
