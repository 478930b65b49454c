"""The failure modes of issue 8 as general rules, each checked on paraphrases written
fresh for this file (none is a development sentence, none was used to write the rules).
"""

import pytest

from bot.model import Label

ESC, DE, NEU = Label.ESCALATION, Label.DEESCALATION, Label.NEUTRAL


def label(classifier, text: str, lang: str = "en") -> Label:
    return classifier.classify(text, lang).label


@pytest.mark.parametrize(
    "text",
    [
        "Insurgents ambushed a border patrol near the river while grain prices kept climbing.",
        "Warplanes bombed a weapons depot outside the capital as the tourist season opened.",
        "Two days before the festival, militia fighters shelled the village from the hills.",
        "The navy struck radar sites on the coast, a move that rattled currency markets.",
        "Commandos raided a military base in the north during the football season.",
        "Snipers killed three policemen near the stadium on Sunday.",
    ],
)
def test_an_incidental_word_never_hides_a_specific_act(classifier, text):
    assert label(classifier, text) == ESC


@pytest.mark.parametrize(
    "text",
    [
        "The striker scored twice as the home side attacked relentlessly in the second half.",
        "Investors fear a war of attrition between the two airlines over ticket prices.",
    ],
)
def test_a_context_word_still_damps_ambiguous_words(classifier, text):
    assert label(classifier, text) == NEU


@pytest.mark.parametrize(
    "text",
    [
        "The spokesman did not answer and then troops shelled the town.",
        "Officials did not respond to questions and the army bombed two villages overnight.",
        "The ministry has not confirmed the report, and drones struck a fuel depot on Tuesday.",
    ],
)
def test_negation_stops_at_the_clause_edge(classifier, text):
    assert label(classifier, text) == ESC


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The driver had no previous criminal convictions, police said.", "en"),
        ("Nurses say they will not call off the strike before the pay talks.", "en"),
        ("The teachers' union refuses to end its strike this week.", "en"),
    ],
)
def test_negated_other_senses_are_no_intent_not_to_escalate(classifier, text, lang):
    assert label(classifier, text, lang) != DE


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Washington will lift export bans on the two countries next month.", "en"),
        ("The arms embargoes on both neighbours were eased after the summit.", "en"),
        ("Brussels agreed to scrap its retaliatory duties on steel.", "en"),
        ("The asset freezes on the central bank have been removed.", "en"),
        ("El gobierno anunció el levantamiento de las sanciones contra el país vecino.", "es"),
        ("Le blocus a été levé mardi matin.", "fr"),
        ("Die Strafzölle wurden zum Monatsende aufgehoben.", "de"),
        ("Ограничения были отменены после переговоров.", "ru"),
        ("أعلنت الحكومة تخفيف العقوبات المفروضة على البلاد.", "ar"),
    ],
)
def test_lifting_punitive_measures_is_not_punitive(classifier, text, lang):
    assert label(classifier, text, lang) != ESC


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The Council's sanctions committee adopted its annual report.", "en"),
        ("The panel reviewed how the sanctions regime is implemented.", "en"),
        ("Those responsible for the fraud must be brought to justice.", "en"),
        ("The conference discussed ways to fight impunity in the region.", "en"),
        ("El comité de sanciones aprobó su informe anual.", "es"),
        ("Il faut lutter contre l'impunité des auteurs de ces délits.", "fr"),
    ],
)
def test_sanctions_bodies_and_justice_are_not_acts(classifier, text, lang):
    assert label(classifier, text, lang) == NEU


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Attackers shot dead five police officers at the checkpoint.", "en"),
        ("Seven peacekeepers were killed when their convoy hit a mine.", "en"),
        ("Gunmen murdered six villagers overnight.", "en"),
        ("Desconocidos asesinaron a tres policías en la carretera.", "es"),
        ("Trois casques bleus ont été tués dans une embuscade.", "fr"),
        ("Angreifer erschossen zwei Polizisten.", "de"),
        ("Неизвестные застрелили двух полицейских.", "ru"),
        ("اغتال مسلحون ثلاثة عناصر من الشرطة.", "ar"),
    ],
)
def test_plain_killing_clears_the_threshold(classifier, text, lang):
    assert label(classifier, text, lang) == ESC


@pytest.mark.parametrize(
    "text",
    [
        "Twenty people were killed in a train accident on Monday.",
        "A landslide killed nine villagers after days of rain.",
    ],
)
def test_deaths_in_accidents_and_disasters_are_not_attacks(classifier, text):
    assert label(classifier, text) == NEU


@pytest.mark.parametrize(
    "text",
    [
        "Gunmen opened fire on the crowd and killed six civilians.",
        "The fair was called off after militants stormed the police station and killed three officers.",
        "Troops returned fire and the clash killed four insurgents.",
        "A fire at the textile factory killed twelve workers.",
    ],
)
def test_a_disaster_word_is_a_noun_not_opened_fire_or_stormed(classifier, text):
    """'storm' and 'fire' name disasters; 'stormed' and 'opened fire' report attacks."""
    assert label(classifier, text) == (NEU if "factory" in text else ESC)


@pytest.mark.parametrize(
    "text",
    [
        "A mob stormed the embassy compound and set it alight.",
        "The army is bolstering its troops near the disputed pass.",
        "They smuggled drones to be used against government forces.",
        "The group hid fighters among civilians, using them as human shields.",
    ],
)
def test_storming_reinforcing_weapons_against_and_human_shields(classifier, text):
    assert label(classifier, text) == ESC


@pytest.mark.parametrize(
    "text",
    [
        "Dockers went on strike for the third time this year.",
        "Doctors performed emergency surgery on the injured minister.",
        "The centre hosted a peacekeeping training course for police officers.",
        "The campaign to stop violence against women reached 40 schools.",
        "Miners continued their strike despite the court order.",
    ],
)
def test_conflict_words_in_other_senses_are_neutral(classifier, text):
    assert label(classifier, text) == NEU


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("We shall pull out of the agreement unless the blockade ends by May.", "en"),
        ("The delegation would leave the talks only if its demands were ignored.", "en"),
        ("Suspenderemos la cooperación a menos que cesen los ataques.", "es"),
    ],
)
def test_a_conditional_offer_is_pressure_not_a_concession(classifier, text, lang):
    assert label(classifier, text, lang) != DE
