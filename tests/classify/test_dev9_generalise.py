"""Families found by the dev9 and incidental10 first sight (2026-12-07 22:30, written after
the incidental9 round: dev9 0.946 / 0.906, incidental10 91 of 100), each read as a family:

- waronproblem: war or an offensive declared on bureaucracy, medical deserts, school dropout,
  dengue or traffic jams (fr, es, pt, ru), and a "guerra sem tréguas" that refuses no truce
  (pt); war on an aggressor and a rejected truce stay escalation;
- names: an album titled Ceasefire, a horse named Blitz;
- summit: climbers' assault on the summit, an assault on the world record;
- patch: criminals exploiting a software flaw that vendors patch (technology context);
- rents: a war over rents between landlords and tenants (de economy words);
- temperature: "bring the temperature down"; and a speaker's "goal" is no football goal;
- beyondprotest: "we will not respond with notes of protest" is a veiled threat (en, es);
- bodies: hostages' or soldiers' bodies handed over under a deal (he); victims' bodies sent
  for identification after a road accident are not;
- rejectru, rejectde, hotline: talks called pointless, "will not take part" (ru); the
  separable verbs "wies … zurück" and "nahm … an" for an offer of talks (de), with "erst
  nach" as a condition; an emergency or military communication line (tr).

Every sentence was written for its family after the rules, never copied from a labelled set;
those marked "fresh after the rules" were written once the rules were done, to test them
(11 of 12 read right after widening two gaps: 'answer this provocation with words', an offer
rejected five words before 'zurück').
"""

from tests.support.labelled import DATA, family_tests, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_dev9.jsonl")
FAMILIES = (
    "waronproblem",
    "names",
    "summit",
    "patch",
    "rents",
    "temperature",
    "goal",
    "beyondprotest",
    "bodies",
    "rejectru",
    "hotline",
    "rejectde",
)

# written after the rules, to see whether they reach sentences they were not written from
NOT_GENERAL_YET = {
    "d9r-beyondprotest-en-f01": "'the reply would not come in the form of a diplomatic note': no verb of answering",
}

test_each_family_reads_its_paraphrase, test_every_family_has_two_sentences_and_near_misses = family_tests(
    PARAPHRASES, FAMILIES, NOT_GENERAL_YET
)
