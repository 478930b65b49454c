"""A language with no lexicon and no translation is not read: the verdict abstains, never a calm neutral."""

from __future__ import annotations

import json

import pytest

from bot.cli import main

THAI = "กองทัพโจมตีเมืองชายแดนเมื่อคืนนี้"
GREEK = "Οι ένοπλες δυνάμεις επιτέθηκαν στην πόλη τη νύχτα."


@pytest.mark.parametrize(("text", "lang"), [(THAI, "th"), (GREEK, "el")])
def test_no_lexicon_and_no_translation_abstains(classifier, text, lang):
    verdict = classifier.classify(text, lang)
    assert verdict.abstained
    assert verdict.confidence == 0 and verdict.score == 0 and verdict.cues == ()
    assert f"'{lang}'" in verdict.reason and "no English translation" in verdict.reason


def test_a_translation_lets_the_engine_read_it(classifier):
    verdict = classifier.classify(THAI, "th", english="The army attacked the border town last night.")
    assert not verdict.abstained and verdict.label == "escalation"


@pytest.mark.parametrize(("text", "lang"), [("Ceasefire agreed.", "en"), ("Alto el fuego acordado.", "es")])
def test_languages_with_a_lexicon_never_abstain(classifier, text, lang):
    assert not classifier.classify(text, lang).abstained


def test_classify_jsonl_marks_the_abstention(ladderwatch_env, tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "th-1", "text": THAI}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["classify", "--jsonl", str(path)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    result = json.loads(line)
    assert result["lang"] == "th" and result["abstained"] is True and result["confidence"] == 0
    assert "no lexicon for language 'th'" in result["reason"]


def test_classify_text_says_it_was_not_read_and_what_to_do(ladderwatch_env, capsys):
    assert main(["classify", GREEK]) == 0
    out = capsys.readouterr().out
    assert out.startswith("NOT CLASSIFIED (abstained, confidence 0): no lexicon for language 'el'")
    assert "LADDERWATCH_TRANSLATOR" in out
    assert "NEUTRAL" not in out
