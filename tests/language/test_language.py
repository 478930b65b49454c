"""Language identification: ISO 639-1 codes, script rules, short official posts."""

import json
from pathlib import Path

import pytest

from bot.language import detect_language

SHORT_POSTS = Path(__file__).parents[1] / "data" / "language" / "short_posts.jsonl"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("中方呼吁各方保持冷静克制。", "zh"),
        ("日本政府は両国に自制を求めます。", "ja"),
        ("한국 정부는 모든 당사자에게 자제를 촉구합니다.", "ko"),
        ("भारत ने संयम बरतने की अपील की है।", "hi"),
        ("ندعو جميع الأطراف إلى ضبط النفس.", "ar"),
        ("ایران خواهان کاهش تنش در منطقه است.", "fa"),
        ("پاکستان امن چاہتا ہے لیکن جارحیت کا جواب دے گا۔", "ur"),
        ("Россия призывает к сдержанности.", "ru"),
        ("Україна вітає обмін полоненими.", "uk"),
        ("ישראל תגיב בעוצמה.", "he"),
        ("Η Ελλάδα καλεί σε αυτοσυγκράτηση.", "el"),
    ],
)
def test_script_rules_pick_the_language(text, lang):
    assert detect_language(text) == lang


def test_chinese_is_zh_not_zh_cn():
    assert detect_language("外交部发言人就当前局势答记者问") == "zh"


@pytest.mark.parametrize("text", ["", "   ", "12:30 — 14/05/2025", "🇮🇳🤝🇵🇰 !!!", "https://"])
def test_text_without_letters_is_undetermined(text):
    assert detect_language(text) == "und"


def test_same_text_gives_the_same_answer_every_time():
    text = "Calma"
    assert len({detect_language(text) for _ in range(5)}) == 1


def test_hint_breaks_a_near_tie_on_a_very_short_post():
    assert detect_language("Ceasefire.", hints=("en",)) == "en"
    assert detect_language("Tregua.", hints=("it",)) == "it"


def test_hint_of_another_script_is_ignored_for_latin_text():
    assert detect_language("Ceasefire now.", hints=("ur",)) == "en"


def test_hint_does_not_override_clear_evidence():
    assert detect_language("Nous appelons à la retenue et au dialogue.", hints=("de",)) == "fr"


def test_persian_hint_never_turns_urdu_letters_into_persian():
    assert detect_language("بھارت کی جارحیت کا جواب دیا جائے گا۔", hints=("fa",)) == "ur"


def test_short_official_posts_are_identified_at_least_95_percent():
    posts = [json.loads(line) for line in SHORT_POSTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    correct = sum(detect_language(post["text"]) == post["lang"] for post in posts)
    assert correct / len(posts) >= 0.95


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Il governo italiano segue con preoccupazione la situazione e chiede a tutte le parti di evitare "
         "ogni escalation e di riprendere il dialogo.", "it"),
        ("La France appelle les deux parties à la retenue et au dialogue pour éviter une nouvelle escalade.", "fr"),
        ("Türkiye, bölgedeki gerginliğin azaltılması için tüm tarafları itidalli davranmaya çağırıyor.", "tr"),
        ("भारत ने पाकिस्तान से आग्रह किया है कि वह सीमा पर तनाव कम करने के लिए कदम उठाए।", "hi"),
    ],
)
def test_certain_function_words_or_letters_decide_without_langdetect(text, lang, monkeypatch):
    def no_langdetect(text):
        raise AssertionError("langdetect was asked about a text the fast path should settle")

    monkeypatch.setattr("bot.language._langdetect_probabilities", no_langdetect)
    assert detect_language(text, hints=("en",)) == lang


def test_an_uncertain_short_post_still_asks_langdetect(monkeypatch):
    asked = []

    def spy(text):
        asked.append(text)
        return (("es", 0.99),)

    monkeypatch.setattr("bot.language._langdetect_probabilities", spy)
    assert detect_language("Tregua ya.") == "es"
    assert asked


def test_the_known_languages_are_every_one_detection_can_answer():
    """The codes `--lang` accepts (bot.language.KNOWN_LANGUAGES) follow langdetect's profiles."""
    import os

    import langdetect

    from bot.language import KNOWN_LANGUAGES, language_hint

    profiles = os.listdir(os.path.join(os.path.dirname(langdetect.__file__), "profiles"))
    assert {name.split("-")[0] for name in profiles} <= KNOWN_LANGUAGES
    assert language_hint("zh-TW") == "zh" and language_hint("EN_gb") == "en"
    assert language_hint("xx") is None and language_hint("english") is None
