"""Steps back and punitive acts that side words hid, each read as a family:

- patrols: naval, air or border patrols (or patrols near a disputed reef, island or line)
  paused, suspended, halted or called off are a step back, like drills scaled down; a
  suspension's reach stops at a time or cause clause ("… while the accord is negotiated");
  police or coast-guard patrols suspended for a storm stay neutral;
- sanctions: sanctions imposed, announced or adopted on a named target are an act that a
  holiday or market notice beside them does not damp; a sports federation's or a
  regulator's sanctions on clubs or firms stay neutral.

Every sentence was written for its family, never copied from a labelled set.
"""

import pytest

from tests.support.labelled import DATA, assert_reads, family_coverage, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_acts.jsonl")
FAMILIES = ("patrols", "sanctions")


@pytest.mark.parametrize("item", PARAPHRASES, ids=[item["id"] for item in PARAPHRASES])
def test_each_family_reads_its_paraphrase(classifier, item):
    assert_reads(classifier, item)


def test_every_family_has_two_sentences_and_near_misses():
    sentences, near_misses = family_coverage(PARAPHRASES)
    for family in FAMILIES:
        assert sum(n for (f, _), n in sentences.items() if f == family) >= 2 and near_misses[family] >= 1, family
