"""The incidental8 other-sense families (tests/classify/test_othersense5_generalise.py)
ported to the native lexicons where the same construction exists, each read as a family:

- waronnonstate: war declared on fare dodgers, the paparazzi, illegal parkers or
  sensationalism ("dichiarato guerra ai furbetti del biglietto", "declaró la guerra a los
  paparazzi", "déclaré la guerre aux paparazzis", "den Falschparkern den Krieg erklärt",
  "الحرب على المتهربين"); war declared on a neighbouring state stays a threat;
- swarm: an invasion of tourists, a horde of fans, an army of volunteers ("un'invasione di
  turisti", "una invasión de turistas", "une invasion de touristes", "Invasion von
  Touristen", "غزو السياح"); an invasion by troops stays an attack;
- marketfire: the lira or bank shares under attack or fire from speculators ("sotto
  attacco", "attaque spéculative", "unter Beschuss", "تعرضت الليرة لهجوم"); a barracks
  under attack stays an attack;
- personaltruce: a truce between rival chefs, feuding rappers or comedians; between two
  armies it stays a truce;
- offensivewords (it): remarks "ritenute offensive"; es, fr and de use words that are no
  cue (ofensivos, offensants), so their sentences guard only that nothing fires;
- cyberdrill: a bank's drill simulating a cyber-attack ("esercitazione", "simulacro",
  "exercice", "Übung", "تمرين يحاكي هجوما إلكترونيا");
- figweapon: a weapon of seduction, the secret weapon against wrinkles — no cue fires in
  any of the five languages, so no entry; the sentences guard that it stays so;
- sportwar: revenge for a semi-final defeat (de Rache, ar الثأر; it, es, fr are already
  damped by their sport words).

Every sentence was written for its family after the rules, never copied from a labelled set.
"""

from tests.support.labelled import DATA, family_tests, read_items

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_othersense5_native.jsonl")
FAMILIES = (
    "waronnonstate",
    "swarm",
    "marketfire",
    "personaltruce",
    "offensivewords",
    "cyberdrill",
    "figweapon",
    "sportwar",
)


test_each_family_reads_its_paraphrase, test_every_family_has_two_sentences_and_near_misses = family_tests(
    PARAPHRASES, FAMILIES
)
