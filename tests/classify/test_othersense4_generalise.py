"""Other senses and specific acts found by the incidental7 first sight, each read as a family:

- expeldipl: diplomats expelled beside a sport or weather word are an executed measure;
  a federation expelling club officials is not;
- labourstrike: controllers or doctors who "will strike" or "voted to strike" are workers;
  an air force that will strike is not;
- flood: troops filling sandbags after a river burst its banks fight a flood;
- sunstroke: heatstroke and ضربة شمس are health warnings (en, ar);
- drones: crop-spraying drones and drones fitted with cameras are tools;
- boxoffice: a film that bombed, a war correspondent's memoir;
- uefa: sports bodies' sanctions on clubs; the EU's sanctions on a president stay sanctions;
- civicmob: nurses, teachers or farmers mobilising for a campaign or against a reform
  (en, fr); a general mobilisation of reservists is not;
- politruce: a truce within a coalition or with unions (en, it);
- withdrawal: cash withdrawals, a withdrawal from politics or a national team (en, de);
- wildlife: shark attacks and lions ambushing zebras;
- polfire: a minister under fire from the opposition (en, fr); troops under fire are not;
- routine: an annual exercise scheduled months ahead, and the airspace it closes to
  civilian traffic; airspace closed to a state's flights is a measure;
- waterbomb: Italian "bombe d'acqua" are cloudbursts;
- labourtruce: a ceasefire in a pay dispute (de);
- pests: the fight or war against locusts and rats (de); fighting that cost soldiers or
  civilians their lives is a killing.

Every sentence was written for its family, never copied from a labelled set.
"""

from tests.support.labelled import DATA, family_tests, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_othersense4.jsonl")
FAMILIES = (
    "expeldipl",
    "labourstrike",
    "flood",
    "sunstroke",
    "drones",
    "boxoffice",
    "uefa",
    "civicmob",
    "politruce",
    "withdrawal",
    "wildlife",
    "polfire",
    "routine",
    "waterbomb",
    "labourtruce",
    "pests",
)


test_each_family_reads_its_paraphrase, test_every_family_has_two_sentences_and_near_misses = family_tests(
    PARAPHRASES, FAMILIES
)
