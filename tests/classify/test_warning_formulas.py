"""The stock warning formulas of foreign ministries, read natively (no translation).

"Will not hesitate to take all necessary measures" is a threat in every language, even
though it carries a negation; the Devanagari danda ends a sentence, not a word.
"""

from __future__ import annotations

import pytest

from bot.model import Label

WARNINGS = {
    "de": "Wir werden nicht zögern, alle notwendigen Maßnahmen zu ergreifen, um unsere Sicherheit zu gewährleisten.",
    "fr": "La France n'hésitera pas à prendre toutes les mesures nécessaires pour protéger ses ressortissants.",
    "tr": "Türkiye, egemenlik haklarını korumak için gerekli tüm tedbirleri almaktan çekinmeyecektir.",
    "ru": "Россия не остановится перед принятием всех необходимых мер для защиты своих граждан.",
    "uk": "Україна не вагатиметься вжити всіх необхідних заходів для захисту свого суверенітету.",
    "fa": "ایران در اتخاذ همه اقدامات لازم برای دفاع از حاکمیت خود تردید نخواهد کرد.",
    "ur": "پاکستان اپنی خودمختاری کے تحفظ کے لیے تمام ضروری اقدامات کرنے سے دریغ نہیں کرے گا۔",
    "hi": "भारत अपनी संप्रभुता की रक्षा के लिए सभी आवश्यक कदम उठाने में संकोच नहीं करेगा।",
}


@pytest.mark.parametrize(("lang", "text"), sorted(WARNINGS.items()))
def test_will_not_hesitate_to_take_all_necessary_measures_is_a_warning(classifier, lang, text):
    verdict = classifier.classify(text, lang)
    assert verdict.label is Label.ESCALATION, [c.text for c in verdict.cues]


def test_a_hindi_cue_that_ends_the_sentence_before_a_danda_is_found(classifier):
    cues = [cue.text for cue in classifier.classify("वह संकोच नहीं करेगा।", "hi").cues]
    assert "संकोच नहीं करेगा" in cues


def test_stated_readiness_to_talk_is_de_escalation_in_urdu(classifier):
    verdict = classifier.classify("وزیر خارجہ نے کہا کہ پاکستان بھارت کے ساتھ مذاکرات کے لیے تیار ہے۔", "ur")
    assert verdict.label is Label.DEESCALATION
