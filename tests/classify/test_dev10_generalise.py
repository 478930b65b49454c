"""Families found by the dev10 and incidental11 first sight (2026-12-08 00:50; dev10 was
written in the eight languages weakest offline on the blind sets: 0.920 with translation,
0.835 offline; incidental11 85 of 100), each read as a family:

- restraint: "do not mistake our restraint for weakness", a veiled threat said with its own
  negation (`own_negation`), in en, fr, de, es, it, pt, ru, tr, ar, hi, ja, zh; restraint
  alone stays an appeal;
- negve: after a negated reported verb, Turkish "ve" (and Hindi तथा / एवं after a finite
  verb) opens a clause the negation does not reach;
- prisoners: the German genitive and compounds of Gefangenenaustausch;
- gunssilent: "the guns fell silent" in either word order (de, fr, it, es, pt, ru);
- expel: diplomats, attachés and consuls expelled, a specific act that a match, prices or a
  storm beside it do not damp (en, de, fr, it, es, tr, ja, ko, zh); players expelled are not;
- target, speculative, bowling, bandname, rivaltruce: a sales target hit, speculative
  attacks on a currency, a bowling strike, a rapper or film named Retaliation or Invasion,
  a truce between rival taxi firms — while a missile hitting its target, an armed attack on a
  bank and rival militias' truce stay what they are;
- ultimatum, kinetic, inevitable, dronehit: "you have 48 hours to pull your troops back"
  (en, it), "kinetic options", "revenge is inevitable", "a drone struck a depot".

A second pass over what was still missed offline: an air or cross-border operation (tr) and
an attack reported on named bases or launch sites (ja) as specific armed acts; soldiers'
bodies handed to the other side (tr); border crossings reopened (ja, tr) and closed (it);
joint demining (de, ko); the EU's "restrictive measures" extended or lifted (fr, it, es); a
channel between staffs kept open (fr); forces on high alert (it, fr, es); advance notice of
exercises as a confidence-building measure (en, it, fr); the withdrawal of tanks and heavy
weapons (fr); Japanese ざるを得ない ("have no choice but to") is no negation; and other senses:
fuel prices "escalating" (tr), drone exports at a defence fair (tr), an offensive against
antibiotic resistance (de), the national team's attack (it), passes closed by snow (it).

Every sentence was written for its family after the rules, never copied from a labelled set.
"""

from tests.support.labelled import DATA, family_tests, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_dev10.jsonl")
FAMILIES = (
    "restraint",
    "negve",
    "prisoners",
    "gunssilent",
    "expel",
    "target",
    "speculative",
    "bowling",
    "bandname",
    "rivaltruce",
    "ultimatum",
    "kinetic",
    "inevitable",
    "dronehit",
    "airop",
    "siteattack",
    "bodies",
    "reopen",
    "demining",
    "restrictive",
    "channel",
    "highalert",
    "fuel",
    "uavindustry",
    "resistance",
    "nazionale",
    "valichi",
    "mustdo",
    "exnotice",
    "armourpull",
)

NOT_GENERAL_YET = {
    "d10r-rivaltruce-en-02": (
        "the feuding neighbours' ceasefire is set aside, but 'brokered by the parish council' still reads as mediation"
    ),
    "d10r-bodies-tr-03": "an older rule reads accident victims' bodies handed to families as a return",
    "d10r-restrictive-es-03": "no rule word: the learned reading leans de-escalation on 'medidas restrictivas'",
    "d10r-reopen-tr-03": "a border gate closed with no named target reads weak (2.5), below the neutral line",
}

test_each_family_reads_its_paraphrase, test_every_family_has_two_sentences_and_near_misses = family_tests(
    PARAPHRASES, FAMILIES, NOT_GENERAL_YET
)
