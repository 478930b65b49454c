"""Engine-level rules read as families (paraphrases_engine2):

- longest: at one start the match reading the most text wins, not the longest pattern
  ("포탄 수백 발을 쐈다" is a launch, not the bare shell); the ko reopening after shelling
  (포격) no longer needs leaving out to keep it;
- gapbreak: a cue's gap skips no clause-break word ("while", "because"), yet may skip
  "after" or "since" used as prepositions ("lifted after weeks of talks");
- ctxact: a price, sport or weather word beside armed actors (troops, militia, missiles)
  damps nothing in that sentence, in every language with context words; a price war or a
  sport attack without them stays neutral.
- hyg: a second sentence for each alternative the longest match left read by one item (an
  exchange of hostages, an ambassador recalled, a blockade, military talks, nuclear-force drills,
  patience tested), with near-misses (an exchange of experience, a club recalls its coach, roads
  closed by snow).

Every sentence was written for its family, never copied from a labelled set.
"""

from tests.support.labelled import DATA, MODEL_MISREADS, family_tests, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_engine2.jsonl")
FAMILIES = ("longest", "gapbreak", "ctxact", "hyg")

test_each_family_reads_its_paraphrase, test_every_family_has_two_sentences_and_near_misses = family_tests(
    PARAPHRASES, FAMILIES, MODEL_MISREADS
)
