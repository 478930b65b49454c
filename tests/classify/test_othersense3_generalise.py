"""Other senses and specific acts found by the incidental6 first sight, each read as a family:

- robbery: an attack on a cash van, a jeweller's or a bank branch is crime (en, de, fr,
  es, it); insurgents ambushing guards or a missile hitting a supermarket are attacks;
- shelter: bomb and air-raid shelters in museums and budgets are places, not bombings;
- accident: soldiers killed when their truck overturned, a training crash; a vehicle
  struck by a roadside bomb is an attack;
- cause: a fire put down to faulty wiring, not sabotage, is neither an attack nor a
  promise not to attack; a drone strike named as the cause is an attack;
- pasttruce: an armistice or a peace accord remembered years later is no truce agreed
  now, and former enemies are no hostility;
- surface: an attack surface or vector is software security jargon;
- passive: visas or assets of named people "have been revoked / frozen" after a long
  subject are an executed measure that a sport or trade word beside it does not damp;
- airspace: airspace closed to a state's flights is a measure, airspace shut for ash is not;
- sanctionsbody: a sanctions review committee is an institution; sanctions imposed are not;
- denialthat: "called claims that they … baseless" denies the act in the claim;
- ordnance: wartime bombs defused, fragments removed (it, de, fr, es);
- anchor: reservists, battalions and defence ministries name armed conflict, so a price
  word beside them damps nothing (it, de, fr, es, as English already does);
- blockade: farmers' tractor blockades and truckers' convoys are protests;
- transfer: a club attacking the transfer market is sport.

Every sentence was written for its family, never copied from a labelled set.
"""

from tests.support.labelled import DATA, family_tests, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_othersense3.jsonl")
FAMILIES = (
    "robbery",
    "shelter",
    "accident",
    "cause",
    "pasttruce",
    "surface",
    "passive",
    "airspace",
    "sanctionsbody",
    "denialthat",
    "ordnance",
    "anchor",
    "blockade",
    "transfer",
)
# Written with the rules above; misread by other parts of the reading. Strict xfails: a
# gap that closes must leave the list.
KNOWN_GAPS = {
    "os3-sanctionsbody-en-01": (
        "'will meet' is read as talks (-3.0) and the learned reading adds to it: "
        "a routine committee meeting reads as de-escalation"
    ),
    "os3-denialthat-en-01": (
        "no rule reads 'executed prisoners', so the denial has nothing to void; "
        "the learned reading alone says escalation (rebels)"
    ),
    "os3-blockade-en-01": "no rule cue; the learned reading alone says de-escalation ('agreed', 'border crossing')",
}


test_each_family_reads_its_paraphrase, test_every_family_has_two_sentences_and_near_misses = family_tests(
    PARAPHRASES, FAMILIES, KNOWN_GAPS
)
