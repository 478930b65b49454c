"""English rules and scope mechanisms written from invented probe statements (none from a
labelled set), grouped by family rather than by sentence:

- scope: a negated intent word ("no plans to", "not to take any step that") reaches its
  object like an avoidance verb; a negation reaches an "any attack" object anywhere in
  its clause; a denial ("denies that its jets bombed…", "played no part in…") voids what it
  denies instead of turning it into a step back; a cue of the other side starting inside a
  stated intent, an appeal for restraint or a pause ("stop strikes on energy
  infrastructure") is its object;
- acts: nominal and infinitive attacks on a named target ("the strike on the fuel depot",
  "tried to storm the air base") beside an incidental price or harvest word; cyber
  intrusions attributed to a state; the first shot fired;
- intents and threats: soil not to be used for attacks, the non-use of force, operations
  not to be widened, steps that would worsen the situation; a withdrawal offered only on
  condition; veiled threats (think twice, playing with fire, we know where they sleep);
- other senses: surgeons' operations on a knee, sanctions on firms that evade duties,
  strikes by teachers on a weekday or postponed in a sector, collisions on the road,
  cyberattacks as a conference topic, a committee meeting for its regular session, war
  declared on the cost of living; measures lifted after a long relative clause.
- from dev5 and incidental3 (tunable), as families: crossings and embassies reopened with
  the place named first, envoys back at post, frozen accounts unblocked, suspensions
  lifted, channels that remain open or are restored, forces pulling back a distance; a
  party failing to withdraw, talks out of the question, a truce that will end, a return
  to fighting, "for everyone or for no one", advice not to play with fire.

The translated reading also decides which native cues count (`Classifier.read_rules`): a
side whose every word the translation reads in another sense, a native negation the
translation contradicts, and a native act the translation states as not intended are
set aside (`test_translation_overrules_native_scope`).

Every rule is read on two or more sentences written for it, with near misses (`rule`
starting "near miss") that must keep their label.
"""

import pytest

from bot.model import Label
from tests.support.labelled import DATA, MODEL_MISREADS, paraphrases_per_rule, read_items, with_known_gaps

PARAPHRASES = read_items(DATA / "native_rules" / "paraphrases_cls_en.jsonl")


@pytest.mark.parametrize("item", with_known_gaps(PARAPHRASES, MODEL_MISREADS))
def test_each_rule_reads_its_paraphrase(classifier, item):
    verdict = classifier.classify(item["text"], item["lang"])
    assert verdict.label == Label(item["label"]), (item["rule"], verdict.cues)


def test_every_rule_has_two_paraphrases_and_there_are_near_misses():
    counts, near_misses = paraphrases_per_rule(PARAPHRASES)
    assert min(counts.values()) >= 2, counts
    assert near_misses >= 10


@pytest.mark.parametrize(
    ("text", "lang", "english", "label"),
    [
        # the French lexicon reads "attaque" as an act; the translation negates it
        (
            "Nous n'avons aucune intention de lancer la moindre attaque contre nos voisins.",
            "fr",
            "We have no intention of launching any attack against our neighbours.",
            Label.DEESCALATION,
        ),
        # the translation hides the sanctions word in "sanctions committee"
        (
            "Le comité des sanctions du Conseil de sécurité se réunira mardi.",
            "fr",
            "The Security Council sanctions committee will meet on Tuesday.",
            Label.NEUTRAL,
        ),
    ],
)
def test_translation_overrules_native_scope(rules_only, text, lang, english, label):
    """The rules' own reading (the learned one is tested apart: see MODEL_MISREADS)."""
    assert rules_only.classify(text, lang, english).label == label


def test_denial_voids_rather_than_flips(classifier):
    verdict = classifier.classify("The ministry denies that its drones struck the power station.", "en")
    assert verdict.label == Label.NEUTRAL
    assert all(cue.category != "intent_not_escalate" for cue in verdict.cues)
