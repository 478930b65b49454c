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

from tests.support.labelled import DATA, MODEL_MISREADS, family_tests, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_posture.jsonl")
FAMILIES = ("exercises", "deploy", "pullback", "condthreat", "killing")

test_each_family_reads_its_paraphrase, test_every_family_has_two_sentences_and_near_misses = family_tests(
    PARAPHRASES, FAMILIES, MODEL_MISREADS
)
