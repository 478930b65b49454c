"""Sentences for the dev10 round's families (test_dev10_generalise.py), written afterwards by
a helper who saw neither the rules nor their paraphrases (given only each family's
description; `native_rules/probes_fresh10.jsonl`, 60 sentences in 13 languages). Read
offline, the code before the round got 25 of 60 right, the round's rules 53 at first sight.
Two constructions they showed were then widened: restraint seen, regarded or considered as
weakness, with or without "as" (en), and the noun-first "our patience is not / must not be
taken for weakness" (it, es, pt, ru); and a speculative attack that is launched or fended
off. 56 of 60 after; 58 after the incidental12 round (a name with its description after it,
"Retaliation, the 5-2 favourite"; a truce ending a hedge dispute). The two left are below.
"""

import pytest

from tests.support.labelled import DATA, assert_reads, read_items

PROBES = read_items(DATA / "native_rules" / "probes_fresh10.jsonl")

NOT_GENERAL_YET = {
    "fp10-53": "a truce 'called' by taxi firms and ride-hailing drivers: no rival/feuding word before them",
    "fp10-60": "gunmen's armed attack on a bank branch reads as a robbery (en.other.robbery)",
}


@pytest.mark.parametrize(
    "item",
    [
        pytest.param(item, marks=pytest.mark.xfail(reason=NOT_GENERAL_YET[item["id"]], strict=True))
        if item["id"] in NOT_GENERAL_YET
        else item
        for item in PROBES
    ],
    ids=[item["id"] for item in PROBES],
)
def test_each_fresh_sentence_reads_its_label(classifier, item):
    assert_reads(classifier, item)
