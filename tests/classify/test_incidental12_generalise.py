"""Families found by the incidental12 first sight (2026-12-08 02:00; 89 of 100 with
translation, 33 of 40 offline), each read as a family:

- withdrawyour: "withdraw your forces from the ridge or face the consequences" is a demand on
  the other side, no withdrawal of one's own ("or bear the consequences" joins "or face");
- sendno: "will send no troops" is no deployment (a gap may not swallow "no", "not", "any");
- dismissed: a head, coach or chief executive who "was fired" was dismissed, not shot at;
- pricehigher: "will find the price far higher" is a veiled threat;
- appositive: "Truce, a new opera…", "Invasion, the 3-1 favourite…": a name with its
  description after it;
- feud: a truce ending a dispute over a fence, a hedge or parking is between neighbours
  (and "ended in a truce" is no broken truce);
- resumefr: "reprendront les négociations" (fr);
- fullforce: "mit aller Härte reagieren" (de);
- vfinal: a depot or positions destroyed or hit with the verb at the clause's end (de);
- rusport, ruhealth, rusanctions: a team's attack, a war declared on flu, and sanctions
  against named companies as a state's act that a hockey season does not damp (ru).

Every sentence was written for its family after the rules, never copied from a labelled set.
"""

from tests.support.labelled import DATA, family_tests, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_incidental12.jsonl")
FAMILIES = (
    "withdrawyour",
    "sendno",
    "dismissed",
    "pricehigher",
    "appositive",
    "feud",
    "resumefr",
    "fullforce",
    "vfinal",
    "rusport",
    "ruhealth",
    "rusanctions",
)

NOT_GENERAL_YET = {
    "i12r-sendno-en-02": "'would deploy no additional forces': the bare verb 'deploy' still reads as a weak deployment",
}

test_each_family_reads_its_paraphrase, test_every_family_has_two_sentences_and_near_misses = family_tests(
    PARAPHRASES, FAMILIES, NOT_GENERAL_YET
)
