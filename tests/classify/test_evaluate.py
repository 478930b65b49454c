"""Metrics and the printed evaluation report."""

import pytest

from bot.evaluate import evaluate, format_report


def test_perfect_predictions_score_one():
    gold = [("escalation", []), ("de-escalation", []), ("neutral", [])]
    report = evaluate(gold, ["escalation", "de-escalation", "neutral"])
    assert report.accuracy == 1.0
    assert report.macro_f1 == 1.0


def test_also_labels_count_as_correct_and_are_booked_under_the_prediction():
    gold = [("neutral", ["de-escalation"]), ("de-escalation", [])]
    report = evaluate(gold, ["de-escalation", "de-escalation"])
    assert report.correct == 2
    deesc = next(s for s in report.per_class if s.label == "de-escalation")
    assert deesc.precision == 1.0
    assert deesc.support == 2


def test_per_class_precision_recall_f1_and_confusion():
    gold = [("escalation", []), ("escalation", []), ("neutral", []), ("de-escalation", [])]
    report = evaluate(gold, ["escalation", "neutral", "neutral", "escalation"])
    scores = {s.label: s for s in report.per_class}
    assert scores["escalation"].precision == pytest.approx(0.5)
    assert scores["escalation"].recall == pytest.approx(0.5)
    assert scores["neutral"].precision == pytest.approx(0.5)
    assert scores["neutral"].recall == pytest.approx(1.0)
    assert scores["de-escalation"].f1 == 0.0
    row = report.labels.index("escalation")
    column = report.labels.index("neutral")
    assert report.confusion[row][column] == 1
    assert report.macro_f1 == pytest.approx((0.5 + 2 / 3 + 0.0) / 3)


def test_class_absent_from_gold_and_predictions_is_left_out_of_macro_f1():
    report = evaluate([("escalation", []), ("neutral", [])], ["escalation", "neutral"])
    assert report.macro_f1 == 1.0


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="2 gold items but 1 predictions"):
        evaluate([("neutral", []), ("neutral", [])], ["neutral"])


def test_report_shows_every_figure():
    report = evaluate([("escalation", []), ("neutral", [])], ["escalation", "escalation"])
    text = format_report(report)
    assert "accuracy: 0.500" in text
    assert "macro-F1:" in text
    assert "precision" in text and "recall" in text
    assert "confusion (rows = gold, columns = predicted)" in text
    assert "de-escalation" in text
