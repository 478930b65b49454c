"""Korean and Hebrew: the script is detected and the statement read natively, so neither
comes back as a confident "neutral" for want of a lexicon. The sentences
(tests/data/classify/ko_he/) were written fresh, after the lexicons."""

import json
from pathlib import Path

import pytest

from bot.language import detect_language
from bot.model import Label

SET = Path(__file__).parents[1] / "data" / "classify" / "ko_he" / "ko_he.jsonl"
ITEMS = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
KOREAN = [(item["text"], Label(item["label"])) for item in ITEMS if item["lang"] == "ko"]
HEBREW = [(item["text"], Label(item["label"])) for item in ITEMS if item["lang"] == "he"]


@pytest.mark.parametrize(("text", "lang"), [(KOREAN[0][0], "ko"), (HEBREW[0][0], "he")])
def test_hangul_and_hebrew_script_are_detected(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize(("text", "label"), KOREAN)
def test_korean_statements_are_read_natively(classifier, text, label):
    assert classifier.classify(text, "ko").label == label


@pytest.mark.parametrize(("text", "label"), HEBREW)
def test_hebrew_statements_are_read_natively(classifier, text, label):
    assert classifier.classify(text, "he").label == label


@pytest.mark.parametrize("lang", ["ko", "he"])
def test_korean_and_hebrew_lexicons_cover_every_side(classifier, lang):
    categories = {entry.category for entry in classifier.lexicons[lang].lexicon.cues}
    for needed in ("threat", "vow_retaliation", "reported_attack", "ceasefire", "talks_mediation", "appeal_restraint"):
        assert needed in categories
    kinds = {modifier.kind for modifier in classifier.lexicons[lang].lexicon.modifiers}
    assert {"negation", "hedge", "clause_break", "context"} <= kinds
