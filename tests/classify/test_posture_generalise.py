"""Force posture read as families (paraphrases_posture):

- exercises: military exercises or manoeuvres ended, concluded or cut short are a step
  back; exercises or reinforcements called purely defensive, or named inside a stated
  intent not to attack, add no mobilisation; fire drills and school exercises stay neutral;
- deploy: troops massing along a frontier, or units ordered to the border, are a force
  posture; a football side massing in defence is not;
- pullback: armies that agree to pull back, or heavy weapons pulled back a distance from
  the line, are a step back; investors pulling back are not;
- condthreat: steps reserved, measures that "will be taken", an army that "will not stop
  at the border", "whoever crosses will pay" are threats; legal steps and offers of help
  are not;
- killing: a sniper or gunmen shooting dead a farmer or shepherd is an attack.

Every sentence was written for its family, never copied from a labelled set.
"""

import pytest

from tests.support.labelled import DATA, MODEL_MISREADS, assert_reads, family_coverage, read_items, with_known_gaps

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_posture.jsonl")
FAMILIES = ("exercises", "deploy", "pullback", "condthreat", "killing")


@pytest.mark.parametrize("item", with_known_gaps(PARAPHRASES, MODEL_MISREADS))
def test_each_family_reads_its_paraphrase(classifier, item):
    assert_reads(classifier, item)


def test_every_family_has_two_sentences_and_near_misses():
    sentences, near_misses = family_coverage(PARAPHRASES)
    for family in FAMILIES:
        assert sum(n for (f, _), n in sentences.items() if f == family) >= 2 and near_misses[family] >= 1, family
