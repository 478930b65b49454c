"""The learned reading: its weights file, its features, the blend with the rules, the language gate."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from bot.classify import Classifier
from bot.classify.blend import MODEL_CATEGORY, BlendParameters, blend
from bot.classify.learned import MODEL_LANGUAGES, LinearModel, Reading, bucket, features
from bot.classify.scoring import SideTotals
from bot.evaluate import evaluate, keyword_baseline, quad_gold

WEIGHTS = Path(__file__).parents[2] / "bot" / "classify" / "model" / "weights.bin"
DATA = Path(__file__).parents[1] / "data" / "classify"
LABELS = ("escalation", "de-escalation", "neutral")
BLEND = BlendParameters(act_peak=3.5, rule_scale=4.0, escalation_bias=-1.0, deescalation_bias=-1.0, max_words=60)


def _items(folder: str) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted((DATA / folder).glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").split("\n")
        if line.strip()
    ]


def test_shipped_weights_are_small_and_record_their_training(classifier):
    assert WEIGHTS.stat().st_size < 3_000_000
    header = classifier.model.header
    assert "un_quad/dev" in header["trained_on"] and "heldout" not in header["trained_on"]
    assert classifier.blend_parameters.act_peak > 0, "the shipped blend was tuned (--cv), not the rules-only default"


def test_dump_and_load_keep_the_weights_up_to_quantisation(tmp_path):
    rows = {bucket("w attack", 1024): [10.0, -5.0, -5.0], bucket("w peace", 1024): [-6.0, 12.0, -6.0]}
    path = tmp_path / "w.bin"
    LinearModel.dump(path, LABELS, [0.0, 0.0, 0.5], rows, 1024, {"blend": {}})
    model = LinearModel.load(path)
    assert model.labels == LABELS and model.bias == [0.0, 0.0, 0.5]
    for index, row in rows.items():
        assert model.weights[index] == pytest.approx(row, abs=12 / 127)
    reading = model.read("They attack.")
    assert reading is not None and reading.label == "escalation"
    assert reading.evidence[0][0] == "attack"
    assert model.read("Nothing known here.") is None


def test_truncated_weights_file_is_refused(tmp_path):
    path = tmp_path / "w.bin"
    LinearModel.dump(path, LABELS, [0.0] * 3, {1: [1.0, 0.0, -1.0], 2: [0.0, 1.0, -1.0]}, 16, {})
    payload = zlib.decompress(path.read_bytes())
    path.write_bytes(zlib.compress(payload[:-2]))
    with pytest.raises(ValueError, match="truncated"):
        LinearModel.load(path)


def test_features_fold_case_and_arabic_spelling_variants():
    assert features("أعلنت الهدنة") == features("اعلنت الهدنة")
    assert features("Attack") == features("attack")
    assert {"w attack", "b they attack", "c <at"} <= set(features("They attack"))
    assert bucket("w attack", 2**20) == zlib.crc32(b"w attack") % 2**20


def _reading(escalation: float, deescalation: float, words: int = 10) -> Reading:
    neutral = 1.0 - escalation - deescalation
    probabilities = {"escalation": escalation, "de-escalation": deescalation, "neutral": neutral}
    return Reading(probabilities, (("opened fire", 0.9),), "en", words)


def test_rules_decide_alone_on_a_specific_act():
    assert blend(SideTotals(8.0, 0.0, 8.0), _reading(0.01, 0.95), BLEND) is None


def test_rules_decide_alone_on_long_texts():
    assert blend(SideTotals(0.0, 0.0, 0.0), _reading(0.95, 0.01, words=61), BLEND) is None


def test_a_confident_model_names_a_side_the_rules_missed_and_says_why():
    blended = blend(SideTotals(0.0, 0.0, 0.0), _reading(0.9, 0.02), BLEND)
    assert blended is not None and blended.label == "escalation" and blended.score > 0
    assert [(c.text, c.category, c.weight) for c in blended.cues] == [("opened fire", MODEL_CATEGORY, 0.9)]


def test_an_unsure_model_leaves_neutral_alone():
    blended = blend(SideTotals(0.0, 0.0, 0.0), _reading(0.5, 0.1), BLEND)
    assert blended is not None and blended.label == "neutral" and blended.cues == ()


def test_the_model_never_takes_a_side_the_rules_set_aside():
    """A chess "attack": the rules read it and a context discounted it; the model may not revive it."""
    blended = blend(SideTotals(2.1, 0.0, 1.5), _reading(0.9, 0.02), BLEND, frozenset({"escalation"}))
    assert blended is not None and blended.label == "neutral"


def test_a_chess_attack_stays_neutral(classifier):
    text = "The young grandmaster launched a fierce attack on the king and won in 30 moves."
    assert classifier.classify(text, "en").label == "neutral"


def test_weak_rule_evidence_tips_an_unsure_model():
    assert blend(SideTotals(3.0, 0.0, 2.0), _reading(0.5, 0.1), BLEND).label == "escalation"


def test_languages_outside_the_model_get_no_model_vote(classifier, rules_only):
    """Offline, a language the model was not trained on is read by the rules alone."""
    items = [item for item in _items("dev") if item["lang"] not in MODEL_LANGUAGES]
    assert len(items) > 100
    for item in items:
        assert classifier.classify(item["text"], item["lang"]) == rules_only.classify(item["text"], item["lang"])


def test_a_specific_act_found_by_the_rules_is_never_overruled(classifier, rules_only):
    act_peak = classifier.blend_parameters.act_peak
    checked = 0
    for item in _items("dev") + _items("dev_long"):
        english = item.get("en") if item["lang"] != "en" else None
        if rules_only.read_rules(item["text"], item["lang"], english).totals.peak >= act_peak:
            checked += 1
            combined = classifier.classify(item["text"], item["lang"], english)
            assert combined == rules_only.classify(item["text"], item["lang"], english), item["id"]
    assert checked > 200


@pytest.fixture(scope="module")
def tiny(rules_only) -> Classifier:
    """The real lexicons with a real (tiny) model that knows one made-up verb of attack."""
    model = LinearModel(LABELS, [0.0, 0.0, 1.0], {bucket("w zorblaxed", 2**20): (40.0, -20.0, -20.0)}, 2**20)
    return Classifier(rules_only.categories, rules_only.lexicons, model, BLEND)


def test_the_model_explains_its_verdict_next_to_the_cues(tiny):
    verdict = tiny.classify("Militias zorblaxed the convoy.", "en")
    assert verdict.label == "escalation" and verdict.score > 0
    assert [(cue.text, cue.category, cue.lang) for cue in verdict.cues] == [("zorblaxed", MODEL_CATEGORY, "en")]


def test_the_model_reads_the_english_translation_of_any_language(tiny):
    assert tiny.classify("Le milizie hanno zorblaxed il convoglio.", "it").label == "neutral"
    translated = tiny.classify(
        "Le milizie hanno zorblaxed il convoglio.", "it", english="Militias zorblaxed the convoy."
    )
    assert translated.label == "escalation"
    assert [cue.lang for cue in translated.cues if cue.category == MODEL_CATEGORY] == ["en"]


@pytest.fixture(scope="module")
def eager(rules_only) -> Classifier:
    """The real lexicons with a real model that reads every conflict word as an attack."""
    words = ("violence", "strike", "attack", "zorblaxed")
    rows = {bucket(f"w {word}", 2**20): (40.0, -20.0, -20.0) for word in words}
    return Classifier(
        rules_only.categories, rules_only.lexicons, LinearModel(LABELS, [0.0, 0.0, 1.0], rows, 2**20), BLEND
    )


@pytest.mark.parametrize(
    "text",
    [
        "The campaign to end violence against women was launched at city hall.",
        "The mayor opened a shelter to combat violence against girls in the old town.",
        "Nurses at three hospitals went on strike over pay on Monday.",
        "The surgeon's heart attack forced the clinic to close for a week.",
    ],
)
def test_a_word_an_other_sense_phrase_hid_is_not_revived_by_the_model(eager, text):
    """The rules read the word in its other sense: the model may not take that side on it."""
    assert eager.classify(text, "en").label == "neutral"


def test_the_model_still_speaks_where_no_phrase_hid_the_word(eager):
    assert eager.classify("Militias zorblaxed the convoy near the capital.", "en").label == "escalation"


def test_a_side_the_rules_reach_alone_is_never_set_aside(rules_only):
    """A damped "attacks" in an if-clause does not veto the side that shelling already carries."""
    text = "The army shelled the border villages overnight, and if the enemy attacks again it will shell more."
    reading = rules_only.read_rules(text, "en", None)
    assert reading.totals.escalation > 3 and "escalation" not in reading.discounted
    assert "escalation" in rules_only.read_rules("If the enemy attacks, we will see.", "en", None).discounted


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


@pytest.mark.parametrize("name", ["en", "es", "ar", "es_en_google", "ar_en_deepl"])
def test_un_dev_figures_stay_above_the_keyword_baseline(classifier, name):
    """Regression guard on the (trained-on) dev split, every second row (the whole split and
    the held-out figures are in the README, from `ladderwatch eval --un-quad`)."""
    rows = _rows(DATA / "un_quad" / "dev" / f"{name}.jsonl")[::2]
    kept = quad_gold(rows, "strict")
    gold = [(label, ()) for _, label in kept]
    engine = evaluate(gold, [classifier.classify(rows[i]["text"], rows[i]["lang"]).label.value for i, _ in kept])
    baseline = evaluate(gold, [keyword_baseline(rows[i]["text"]) for i, _ in kept])
    assert len(kept) > 1250
    assert engine.macro_f1 >= 0.70
    assert engine.macro_f1 >= baseline.macro_f1 + 0.10
