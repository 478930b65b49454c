"""Other senses, specific acts and scope rules found by the incidental8 first sight
(2026-12-07, 77 of 100), each read as a family:

- hazardacts: a storm or flood word beside an act no hazard commits (a drone shot down,
  a town shelled, an armed incursion) damps nothing; troops deployed after a landslide
  and a typhoon that struck and killed stay the hazard's own events;
- background: a weather, sport or festival word in a concessive or setting phrase
  ("despite the heatwave", "on the sidelines of the Olympics", "malgré", "en marge de",
  "nonostante", "pese a", "trotz") sets no context;
- without: "without clearance will be shot down" — a prepositional "without" governs its
  noun, not the next clause's verb; a convoy that passed "without being fired upon"
  reports an absence;
- noslow: "the sandstorm did not slow the offensive" keeps the offensive;
- passive: visas or assets that "were revoked / frozen" are executed measures;
- pullback: destroyers pulled back, a brigade returning to its barracks;
- waronnonstate: war declared on fly-tippers, fraudsters or sensationalism; on a
  neighbour state it stays a threat;
- swarm: an invasion of day-trippers, an army of volunteers, a barrage of meteorites;
- marketfire: a currency or stocks under attack or fire;
- pkotarget: peacekeepers as the target of an attack or a threat are no peace step
  (en, fr, it); peacekeepers sent are;
- personaltruce: a ceasefire between feuding rappers or rival bakers;
- sportwar: forwards who "go to war in the scrum", revenge for a semi-final defeat;
- cyberdrill: ransomware drills and exercises simulating a cyber-attack;
- offensivewords: lyrics found offensive, posters branded offensive;
- armyteam: the navy's rugby team, the army band;
- figweapon: a weapon of seduction, the best weapon against ageing;
- goalbombard (it): a team that bombards the opponents' goal;
- vermitteln (de): offering to mediate between states; a school that imparts knowledge
  does not mediate;
- harvest: pests or hail threatening a harvest;
- wildlifeplus, racewithdraw, airspacenotice, embargoexperts: the earlier families widened
  after the fresh probes of test_fresh_family_probes.py (a swimmer bitten by a shark, a
  withdrawal from a leadership contest, airspace closed to civilian flights for an air show,
  experts on an arms embargo);
- tradetalks: rounds of talks on tariffs or quotas are trade negotiations (incidental7's
  last English miss of its kind); talks on a ceasefire are not.

Every sentence was written for its family after the rules, never copied from a labelled
set; tests/classify/test_fresh_family_probes5.py holds sentences a helper wrote for the
same families without seeing the rules.
"""

from tests.support.labelled import DATA, family_tests, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_othersense5.jsonl")
FAMILIES = (
    "hazardacts",
    "background",
    "without",
    "noslow",
    "passive",
    "pullback",
    "waronnonstate",
    "swarm",
    "marketfire",
    "pkotarget",
    "personaltruce",
    "sportwar",
    "cyberdrill",
    "offensivewords",
    "armyteam",
    "figweapon",
    "goalbombard",
    "vermitteln",
    "harvest",
    "wildlifeplus",
    "racewithdraw",
    "airspacenotice",
    "embargoexperts",
    "tradetalks",
)


test_each_family_reads_its_paraphrase, test_every_family_has_two_sentences_and_near_misses = family_tests(
    PARAPHRASES, FAMILIES
)
