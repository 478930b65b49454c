"""Behaviour of the rule engine on the cases DESIGN.md names, in English and natively."""

import pytest

from bot.model import Label

ESC, DE, NEU = Label.ESCALATION, Label.DEESCALATION, Label.NEUTRAL


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Any attack will be met with a firm response.", ESC),
        ("Pakistan reserves the right to act in self-defence at a time of its choosing.", ESC),
        ("We call for immediate de-escalation and urge both sides to exercise restraint.", DE),
        ("We welcome the ceasefire announced today between India and Pakistan.", DE),
        ("Escalating food prices are hurting the poorest families.", NEU),
        ("The minister met the trade delegation to discuss investment and tourism.", NEU),
        ("Our deepest condolences to the families of the victims of the earthquake.", NEU),
        ("The Foreign Ministry expelled two diplomats and closed the consulate.", ESC),
        ("Both sides agreed on a prisoner exchange after talks in Istanbul.", DE),
    ],
)
def test_english_statements_get_the_expected_label(classifier, text, label):
    assert classifier.classify(text, "en").label == label


def test_negated_escalation_is_de_escalation(classifier):
    verdict = classifier.classify("Iran is not seeking to escalate tensions in the region.", "en")
    assert verdict.label == DE
    assert verdict.score < 0


def test_no_intention_to_attack_is_de_escalation(classifier):
    verdict = classifier.classify("We have no intention to attack anyone.", "en")
    assert verdict.label == DE


@pytest.mark.parametrize(
    "text",
    [
        "India will not hesitate to respond to any misadventure.",
        "We will not tolerate any violation of our sovereignty.",
    ],
)
def test_negation_inside_a_threat_stays_escalation(classifier, text):
    verdict = classifier.classify(text, "en")
    assert verdict.label == ESC
    assert verdict.score > 0


def test_attack_inside_an_if_clause_weighs_less_than_a_reported_attack(classifier):
    reported = classifier.classify("India attacked our positions.", "en")
    conditional = classifier.classify("If India attacks our positions, we will talk first.", "en")
    assert conditional.score < reported.score


def test_conditional_threat_is_escalation(classifier):
    verdict = classifier.classify("If they attack us, we will respond with full force.", "en")
    assert verdict.label == ESC


def test_de_escalation_plus_strong_threat_is_mixed(classifier):
    text = (
        "We are not seeking war and remain committed to dialogue, but any aggression "
        "will be met with a crushing response."
    )
    verdict = classifier.classify(text, "en")
    assert verdict.mixed
    assert verdict.label in (ESC, DE)


def test_one_sided_statement_is_not_mixed(classifier):
    assert not classifier.classify("We welcome the truce.", "en").mixed


@pytest.mark.parametrize(
    "text",
    [
        "The French attack struck three times before half-time.",
        "The army was deployed to rescue flood victims after the earthquake.",
        "We are winning the war against inflation.",
        "Workers held a national strike over wages.",
    ],
)
def test_conflict_words_in_other_senses_are_neutral(classifier, text):
    assert classifier.classify(text, "en").label == NEU


def test_neutral_statement_has_no_cues_and_zero_score(classifier):
    verdict = classifier.classify("The embassy will be closed on Monday for the holiday.", "en")
    assert verdict.label == NEU
    assert -0.4 < verdict.score < 0.4


def test_score_and_confidence_stay_in_range(classifier):
    for text in ("War! Attack! Strike! Missiles! Retaliation!", "Peace, ceasefire, dialogue, truce."):
        verdict = classifier.classify(text, "en")
        assert -1.0 <= verdict.score <= 1.0
        assert 0.0 <= verdict.confidence <= 1.0


def test_clearer_statement_gets_higher_confidence(classifier):
    weak = classifier.classify("We condemn the provocation.", "en")
    strong = classifier.classify("We launched missile strikes and will retaliate against any further attack.", "en")
    assert strong.confidence > weak.confidence


@pytest.mark.parametrize(
    ("text", "lang", "label"),
    [
        ("Entrambe le parti sono disponibili a lavorare per una de-escalation.", "it", DE),
        ("La France appelle l'Inde et le Pakistan à la retenue.", "fr", DE),
        ("Wir verurteilen den Raketenangriff auf Kyjiw aufs Schärfste.", "de", ESC),
        ("España pide a ambas partes un alto el fuego inmediato.", "es", DE),
        ("Portugal saúda o cessar-fogo entre a Índia e o Paquistão.", "pt", DE),
        ("Любая агрессия получит жесткий ответ.", "ru", ESC),
        ("Сьогодні з російського полону повернулися 390 наших людей.", "uk", DE),
        ("ندعو جميع الأطراف إلى ضبط النفس ووقف التصعيد.", "ar", DE),
        ("پاسخ ایران قاطع و پشیمان کننده خواهد بود.", "fa", ESC),
        ("پاکستان کسی بھی جارحیت کا منہ توڑ جواب دے گا۔", "ur", ESC),
        ("भारत और पाकिस्तान के बीच युद्धविराम पर सहमति बनी है।", "hi", DE),
        ("中方呼吁各方保持冷静克制，通过对话协商解决分歧。", "zh", DE),
        ("Ateşkesi memnuniyetle karşılıyoruz.", "tr", DE),
        ("北朝鮮による弾道ミサイル発射を強く非難する。", "ja", ESC),
    ],
)
def test_native_lexicons_work_without_translation(classifier, text, lang, label):
    assert classifier.classify(text, lang, english=None).label == label


def test_native_cue_reports_original_text_and_english_gloss(classifier):
    verdict = classifier.classify("Chiediamo un cessate il fuoco immediato.", "it")
    cue = next(cue for cue in verdict.cues if cue.lang == "it")
    assert cue.text == "cessate il fuoco"
    assert cue.english == "ceasefire / truce"
    assert cue.category == "ceasefire"
    assert cue.weight < 0


def test_cue_text_keeps_original_case_and_diacritics(classifier):
    verdict = classifier.classify("وقفُ إطلاقِ النار يبدأ اليوم", "ar")
    assert any(cue.text == "وقفُ إطلاقِ النار" for cue in verdict.cues)


def test_translation_and_native_cues_are_both_reported(classifier):
    verdict = classifier.classify("Accogliamo con favore la tregua.", "it", english="We welcome the truce.")
    assert {cue.lang for cue in verdict.cues} == {"it", "en"}
    assert all(cue.english is None for cue in verdict.cues if cue.lang == "en")
    assert verdict.label == DE


def test_translation_rescues_a_language_without_lexicon(classifier):
    verdict = classifier.classify("Ми вітаємо перемир'я.", "be", english="We welcome the ceasefire.")
    assert verdict.label == DE


def test_unknown_language_without_translation_falls_back_to_english_lexicon(classifier):
    assert classifier.classify("Ceasefire agreed.", "und").label == DE


def test_native_cue_survives_a_translation_that_lost_it(classifier):
    verdict = classifier.classify(
        "Nuova Delhi ha espulso due diplomatici pakistani.",
        "it",
        english="New Delhi has sent two Pakistani officials home.",
    )
    assert verdict.label == ESC


def test_denial_in_reported_speech_does_not_count_as_an_attack(classifier):
    verdict = classifier.classify("Pakistan denied that its forces had attacked Indian posts.", "en")
    assert verdict.label != ESC


def test_hedged_claim_weighs_less_than_a_plain_report(classifier):
    plain = classifier.classify("A drone attack hit the airport.", "en")
    hedged = classifier.classify("An alleged drone attack hit the airport.", "en")
    assert 0 < hedged.score < plain.score


def test_repeating_a_word_is_not_new_evidence(rules_only):
    once = rules_only.classify("Talks.", "en")
    thrice = rules_only.classify("Talks, talks, talks.", "en")
    assert thrice.label == once.label == NEU
    assert thrice.score == once.score


def test_many_matches_are_reported_as_at_most_twelve_distinct_cues(classifier):
    text = " ".join(["Missile strikes, drone attacks, shelling, retaliation, sanctions."] * 30)
    verdict = classifier.classify(text, "en")
    assert len(verdict.cues) <= 12
    assert len({(cue.text.casefold(), cue.category) for cue in verdict.cues}) == len(verdict.cues)
