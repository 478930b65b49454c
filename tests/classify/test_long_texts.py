"""How the engine weighs long, real-style statements: several sentences, one subject."""

import pytest

from bot.model import Label

ESC, DE, NEU = Label.ESCALATION, Label.DEESCALATION, Label.NEUTRAL


def test_a_subject_named_once_voids_the_battles_told_in_the_next_sentences(classifier):
    text = (
        "Ceremonies in Ulaanbaatar marked the 85th anniversary of the victory at Khalkhin Gol. "
        "In August 1939 the enemy was routed in fierce battles. "
        "Veterans and young people laid wreaths at the memorial."
    )
    assert classifier.classify(text, "en").label == NEU


def test_a_context_word_far_from_the_cue_voids_nothing(classifier):
    text = (
        "Yesterday we marked the anniversary of our independence. The ministers met in the capital. "
        "They discussed trade and culture. Schools reopened. "
        "Tonight the enemy launched missile strikes on our cities."
    )
    assert classifier.classify(text, "en").label == ESC


def test_a_quoted_context_word_is_the_other_sides_claim(classifier):
    text = (
        'Pyongyang launched what it calls a "satellite" using ballistic missile technology. '
        "We have ordered our forces to shoot down any object that falls on our territory."
    )
    assert classifier.classify(text, "en").label == ESC


def test_several_weak_words_take_no_posture(rules_only):
    """A rule of the lexicons. The learned reading, trained on UN prose where such sentences are
    "verbal cooperation", calls this one de-escalation (see test_learned.py)."""
    text = (
        "The two ministers discussed bilateral trade and cultural exchanges. "
        "They reaffirmed their commitment to regional peace and agreed to expand dialogue between universities."
    )
    assert rules_only.classify(text, "en").label == NEU


def test_a_rejected_truce_is_the_subject_not_an_act(classifier):
    text = "The prime minister rejected Hamas's counter-proposal for a truce and said the war will last months."
    assert classifier.classify(text, "en").label == ESC


def test_a_violated_ceasefire_is_escalation(classifier):
    text = (
        "Hours after the ceasefire agreed on Monday took effect, the army accused its neighbour of violating it. "
        "Troops opened fire along the disputed border."
    )
    assert classifier.classify(text, "en").label == ESC


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Belgrado e Pristina devono evitare ogni gesto che possa alimentare le tensioni.", "it"),
        ("We urge both sides to avoid any unilateral step that could inflame tensions.", "en"),
    ],
)
def test_an_avoidance_verb_reaches_further_than_a_plain_negation(classifier, text, lang):
    assert classifier.classify(text, lang).label == DE


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Depuis l'attentat, la France n'a pas cessé d'appeler à la retenue.", "fr"),
        ("Since the terrorist attack France has never stopped calling for restraint.", "en"),
    ],
)
def test_a_negated_avoidance_verb_affirms(classifier, text, lang):
    assert classifier.classify(text, lang).label == DE


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("На выставке в Москве показали новые беспилотники для сельского хозяйства.", "ru"),
        ("La fiera ha presentato nuovi droni e missili per la difesa aerea civile.", "it"),
    ],
)
def test_a_weapon_named_is_not_an_attack(classifier, text, lang):
    assert classifier.classify(text, lang).label != ESC


def test_warning_someone_not_to_continue_is_a_threat(classifier):
    text = "Pequim avisou Manila para não continuar as provocações no mar."
    assert classifier.classify(text, "pt").label == ESC


def test_police_blows_against_crime_are_not_war(classifier):
    text = (
        "The anti-corruption authority signed a memorandum with its Korean counterpart. "
        "Its head said the war on corruption continues and that the authority dealt a heavy blow to bribery networks."
    )
    assert classifier.classify(text, "en").label == NEU


@pytest.mark.parametrize(
    "text",
    [
        "Last night Russia launched 40 missiles at Ukrainian cities. Energy prices in Europe will rise again.",
        "Russian drones attacked the port of Izmail overnight. The port is key for Ukrainian grain exports.",
    ],
)
def test_a_side_remark_about_prices_voids_no_attack_in_the_next_sentence(classifier, text):
    assert classifier.classify(text, "en").label == ESC


def test_condolences_after_an_airstrike_keep_it_an_attack(classifier):
    text = (
        "Iran condemns the Israeli airstrike on Damascus that killed seven officers. "
        "We extend our condolences to the families of the martyrs."
    )
    assert classifier.classify(text, "en").label == ESC
