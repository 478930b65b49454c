"""Families found by the incidental9 and dev8 first sight (2026-12-07, incidental9 84 of 100,
dev8 176 of 192 offline), each read as a family:

- armedphrase: an armed-only act inside a longer phrase ("shelled Pakistani positions",
  "bombardé des villages") keeps its armed nature, so a flood or cyclone word beside it
  damps it no more than shelling alone; a storm that "struck villages" stays the storm's;
- tally: "five dead and 18 wounded", "seventeen martyrs and forty wounded" report a violent
  event without a verb of attack (en, de, fr, it, es, pt, ru, uk, ar, tr); road, rail and
  work accidents are emergency context, so their toll stays neutral;
- allaside: when every rule word of a text was set aside (a labour truce, animals' hostilities),
  the learned reading may take no side either;
- personaltruce2: truces between supermarkets, bakeries, farmers and retailers, zoo animals;
  real armed groups and nationals whose names end like professions ("Tamil Tigers",
  "Russians", "elders") keep their ceasefire;
- brokefar: "fighting ended when a truce took effect" — a truce after a clause break is not
  the object of "ended";
- fullforcelaw, oldordnance2, sdf: the full force of the law; a Second World War aerial bomb;
  Japan's Self-Defense Forces;
- donothing, nothingstop: "do nothing that could aggravate" is restraint; "nothing will stop
  us from responding" vows the response;
- dialogueresume: a named standing dialogue that resumes;
- labourctx: unions, strikes and pay disputes in de, it, fr, es (a labour truce);
- byforce: "by force of arms if necessary" (en, de);
- medicalattack: asthma and panic attacks (es, it);
- sportctx: handball and water polo;
- rivalry: competitors who respond to a price cut, the opening salvo of a campaign, a
  scathing attack on a budget;
- waronpests, labourpension, noticeclosure, disasterreopen: war on locusts, talks on a
  pension reform rejected, a crossing shut because of a truck fire, roads reopened after
  landslides (and a crossing reopened after clashes stays de-escalation);
- itfixes, nativefixes: force not ruled out, a spiral to avoid and the negotiating table (it);
  a direct line restored (ru), consultations suspended (zh), "утримуватися від" (uk: the
  avoidance stem missed its commonest form), an envoy recalled "para consultas" after a comma
  (pt), postponed talks resuming and waters intruded a clause later (ja), a liaison channel
  restored (ko), rescue and evacuation drills (fa);
- elsewhere: a text with no conflict word at all whose subject is a flood, a fire or a match
  leaves the learned reading no escalation ("air force helicopters dropped water on the
  forest fires"); its cooperation readings stay (on the UN dev split, taking both sides
  cost Spanish 0.014 macro-F1, escalation alone 0.003); strikes beside a storm stay strikes;
- orderedfront: divisions ordered to move to the border (read by the learned reading alone
  before, which the trade-fair context would now silence).

Every sentence was written for its family after the rules, never copied from a labelled set.
The strict xfails are fresh paraphrases the rules do not reach yet.
"""

from tests.support.labelled import DATA, family_tests, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_incidental9.jsonl")
FAMILIES = (
    "armedphrase",
    "tally",
    "allaside",
    "personaltruce2",
    "brokefar",
    "fullforcelaw",
    "oldordnance2",
    "sdf",
    "donothing",
    "nothingstop",
    "dialogueresume",
    "labourctx",
    "byforce",
    "medicalattack",
    "sportctx",
    "rivalry",
    "waronpests",
    "labourpension",
    "noticeclosure",
    "disasterreopen",
    "itfixes",
    "nativefixes",
    "elsewhere",
    "orderedfront",
)
NOT_GENERAL_YET = {
    "i9r-allaside-en-03": "vineyards that 'ended hostilities', no 'between': no rule knows the subject is no state",
    "i9r-nothingstop-en-03": "the learned reading alone leans de-escalation on 'stop … holding the elections'",
    "i9r-disasterreopen-en-02": "no rule word; the learned reading alone reads 'reopened the bridge' as de-escalation",
}

test_each_family_reads_its_paraphrase, test_every_family_has_two_sentences_and_near_misses = family_tests(
    PARAPHRASES, FAMILIES, NOT_GENERAL_YET
)
