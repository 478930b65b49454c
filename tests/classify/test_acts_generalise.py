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

from tests.support.labelled import DATA, family_tests, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_acts.jsonl")
FAMILIES = ("patrols", "sanctions")

test_each_family_reads_its_paraphrase, test_every_family_has_two_sentences_and_near_misses = family_tests(
    PARAPHRASES, FAMILIES
)
