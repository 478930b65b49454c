"""Scoring predicted labels against a gold set, and the report `ladderwatch eval` prints.

Gold items may accept more than one label (`also`): some statements honestly sit
between two classes, and a prediction equal to any accepted label counts as right.
For per-class figures such a hit is booked under the predicted label, so an accepted
alternative never shows up as an error anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.model import Label

LABELS: tuple[str, ...] = tuple(label.value for label in Label)


@dataclass(frozen=True)
class ClassScores:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class EvalReport:
    total: int
    correct: int
    accuracy: float
    macro_f1: float
    per_class: tuple[ClassScores, ...]
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]  # rows = gold (effective), columns = predicted


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def evaluate(gold: Sequence[tuple[str, Sequence[str]]], predicted: Sequence[str]) -> EvalReport:
    """Accuracy, per-class P/R/F1, macro-F1 and confusion matrix.

    `gold` holds (label, also-labels) per item; `predicted` one label per item.
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold items but {len(predicted)} predictions")
    labels = list(LABELS)
    for label, also in gold:
        for name in (label, *also):
            if name not in labels:
                labels.append(name)
    for name in predicted:
        if name not in labels:
            labels.append(name)
    index = {name: position for position, name in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    correct = 0
    for (label, also), guess in zip(gold, predicted, strict=True):
        effective = guess if guess == label or guess in also else label
        correct += effective == guess
        confusion[index[effective]][index[guess]] += 1
    per_class = []
    for name, position in index.items():
        true_positive = confusion[position][position]
        predicted_count = sum(row[position] for row in confusion)
        support = sum(confusion[position])
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / support if support else 0.0
        per_class.append(ClassScores(name, precision, recall, _f1(precision, recall), support))
    # A class absent from both gold and predictions (a one-class subset) says nothing.
    scored = [scores for scores in per_class if scores.support or any(row[index[scores.label]] for row in confusion)]
    macro = sum(s.f1 for s in scored) / len(scored) if scored else 0.0
    total = len(gold)
    return EvalReport(
        total=total,
        correct=correct,
        accuracy=correct / total if total else 0.0,
        macro_f1=macro,
        per_class=tuple(per_class),
        labels=tuple(labels),
        confusion=tuple(tuple(row) for row in confusion),
    )


def format_report(report: EvalReport) -> str:
    """Plain-text report: accuracy, per-class table, macro-F1, confusion matrix."""
    width = max(len(label) for label in report.labels) + 2
    lines = [
        f"items: {report.total}   correct: {report.correct}   accuracy: {report.accuracy:.3f}",
        "",
        f"{'class':<{width}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}",
    ]
    for scores in report.per_class:
        lines.append(
            f"{scores.label:<{width}}{scores.precision:>10.3f}{scores.recall:>10.3f}"
            f"{scores.f1:>10.3f}{scores.support:>10d}"
        )
    lines += [
        "",
        f"macro-F1: {report.macro_f1:.3f}",
        "",
        "confusion (rows = gold, columns = predicted)",
    ]
    lines.append(" " * width + "".join(f"{label:>{width}}" for label in report.labels))
    for label, row in zip(report.labels, report.confusion, strict=True):
        lines.append(f"{label:<{width}}" + "".join(f"{count:>{width}d}" for count in row))
    return "\n".join(lines)


# --- the UN quad corpus (tests/data/classify/un_quad) ---------------------------------

# QuadClass code → Ladderwatch label; codes missing from a mapping are left out of the scores.
QUAD_MAPPINGS: dict[str, dict[int, str]] = {
    "strict": {1: Label.ESCALATION.value, 4: Label.DEESCALATION.value, 0: Label.NEUTRAL.value},
    "broad": {
        1: Label.ESCALATION.value,
        3: Label.ESCALATION.value,
        2: Label.DEESCALATION.value,
        4: Label.DEESCALATION.value,
        0: Label.NEUTRAL.value,
    },
}

# The keyword baseline every figure is compared with: word stems per side (en, es, ar),
# one point per stem found, the side with more points wins, a tie is neutral. Written once
# before any measurement and never tuned: it is the floor the engine has to clear.
_BASELINE_STEMS: dict[str, str] = {
    Label.ESCALATION.value: (
        "attack kill bomb shell missile troops war armed violence weapon fighting military terror invasion threat "
        "ataque atac mat muert bomb misil tropa guerra armad violencia arma milita terror invasi amenaza "
        "هجوم قتل قصف صاروخ حرب مسلح عنف سلاح عسكري إرهاب غزو تهديد"
    ),
    Label.DEESCALATION.value: (
        "peace ceasefire agreement cooperat dialogue negotiat welcome support talks reconcil "
        "paz alto el fuego acuerdo cooperaci diálogo negocia acoge apoy reconcilia "
        "سلام وقف إطلاق النار اتفاق تعاون حوار مفاوضات ترحب دعم مصالحة"
    ),
}
_BASELINE_PATTERNS = {
    label: [re.compile(r"(?<![^\W\d_])" + re.escape(stem)) for stem in stems.split()]
    for label, stems in _BASELINE_STEMS.items()
}


def keyword_baseline(text: str) -> str:
    """The plain keyword classifier the engine is measured against (any of en/es/ar)."""
    folded = text.casefold()
    points = {label: sum(1 for p in patterns if p.search(folded)) for label, patterns in _BASELINE_PATTERNS.items()}
    escalation, deescalation = points[Label.ESCALATION.value], points[Label.DEESCALATION.value]
    if escalation == deescalation:
        return Label.NEUTRAL.value
    return Label.ESCALATION.value if escalation > deescalation else Label.DEESCALATION.value


def quad_gold(rows: Sequence[dict[str, object]], mapping: str) -> list[tuple[int, str]]:
    """(row position, gold label) for the rows the mapping keeps."""
    table = QUAD_MAPPINGS[mapping]
    kept = []
    for position, row in enumerate(rows):
        quad = row.get("quad")
        if isinstance(quad, int) and quad in table:
            kept.append((position, table[quad]))
    return kept


def agreement(reference: dict[str, str], other: dict[str, str]) -> tuple[int, int]:
    """(agreeing, counted): ids where `reference` is non-neutral and `other` has the same label."""
    counted = [key for key, label in reference.items() if label != Label.NEUTRAL.value and key in other]
    return sum(1 for key in counted if other[key] == reference[key]), len(counted)


def format_comparison(rows: Sequence[tuple[str, EvalReport]]) -> str:
    """One line per system: macro-F1, accuracy and P/R/F1 of every class."""
    labels = LABELS
    header = f"  {'system':<14}{'macro-F1':>9}{'accuracy':>10}" + "".join(
        f"  {label + ' P/R/F1':>24}" for label in labels
    )
    lines = [header]
    for name, report in rows:
        scores = {s.label: s for s in report.per_class}
        cells = "".join(
            f"  {scores[label].precision:>8.3f}{scores[label].recall:>8.3f}{scores[label].f1:>8.3f}" for label in labels
        )
        lines.append(f"  {name:<14}{report.macro_f1:>9.3f}{report.accuracy:>10.3f}{cells}")
    return "\n".join(lines)
