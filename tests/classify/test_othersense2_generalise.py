"""Trade steps undone and conflict words of another sense, each read as a family:

- trade: imports from, or trade with, a country resumed, export controls or trade curbs
  lifted (en, zh, ja, fr, es, it, pt, de); imports resumed after repairs, a storm or a
  strike stay neutral;
- curfew: a curfew lifted is a step back (fr), one still in force is not;
- passage: safe passage of ships, grain or civilians agreed or signed (tr) is a step back,
  a schoolchildren's crossing or a firms' memorandum is not;
- alert: a red or orange weather warning is no force posture (en); an air force on red
  alert is;
- memorial: the dead of a battle a century ago, named at a memorial, are remembrance
  (en, fr, es, pt); gunmen killing soldiers near a memorial are an attack;
- heritage: exhibitions of arms from past wars are heritage (en); weapons seized in a
  raid are not;
- clubtruce: sports clubs' truce over transfers is no ceasefire (en, fr, es, it, pt, de);
  armies' and militias' truces are;
- cooptalks: talks on rail, chips or trade cooperation are routine diplomacy (en); talks
  between adversaries on security, or opened to end a dispute, stay talks.

Every sentence was written for its family, never copied from a labelled set.
"""

from tests.support.labelled import DATA, family_tests, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_othersense2.jsonl")
FAMILIES = ("trade", "curfew", "passage", "alert", "memorial", "heritage", "clubtruce", "cooptalks")

test_each_family_reads_its_paraphrase, test_every_family_has_two_sentences_and_near_misses = family_tests(
    PARAPHRASES, FAMILIES
)
