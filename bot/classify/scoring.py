"""Weigh one text's hits into each side's evidence and a label.

Long texts add up: each side's cues strongest first with decay, a side of weak words only
counting part of its sum, and a ceasefire or talks that the text rejects or reports
violated counting as its subject rather than as an act (`side_totals`). A native reading
and its translation combine side by side (`combine_totals`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.classify.engine import Hit
from bot.classify.lexicon import DEESCALATION, ESCALATION, Tuning


@dataclass(frozen=True)
class SideTotals:
    """Evidence for each side, and the strongest side of the strongest single reading.

    `peak` decides neutral vs not: two readings of one weak cue (the original and its
    translation) corroborate each other but do not make it strong.
    """

    escalation: float
    deescalation: float
    peak: float

    def scaled(self, factor: float) -> SideTotals:
        return SideTotals(self.escalation * factor, self.deescalation * factor, self.peak * factor)


def side_totals(hits: Iterable[Hit], tuning: Tuning) -> SideTotals:
    """Sum each side's weights strongest first, each further cue counting `decay` times less.

    A lexicon entry counts once (its strongest hit): repeating a word is not new evidence.
    A side made only of weak cues reaches the neutral threshold with a share of its sum.
    """
    strongest: dict[tuple[str, bool], float] = {}
    for hit in _topics_absorbed(list(hits), tuning):
        key = (hit.entry.id, hit.weight > 0)
        strongest[key] = max(strongest.get(key, 0.0), abs(hit.weight))
    escalation = sorted((weight for (_, positive), weight in strongest.items() if positive), reverse=True)
    deescalation = sorted((weight for (_, positive), weight in strongest.items() if not positive), reverse=True)
    escalation_total = sum(weight * tuning.decay**rank for rank, weight in enumerate(escalation))
    deescalation_total = sum(weight * tuning.decay**rank for rank, weight in enumerate(deescalation))

    def reach(total: float, weights: list[float]) -> float:
        return total if weights and weights[0] >= tuning.strong_cue else total * tuning.weak_side_factor

    peak = max(reach(escalation_total, escalation), reach(deescalation_total, deescalation))
    return SideTotals(escalation_total, deescalation_total, peak)


def _topics_absorbed(hits: list[Hit], tuning: Tuning) -> list[Hit]:
    """A ceasefire or talks that the text rejects or reports violated are its subject, not acts."""
    if not any(hit.category in tuning.topic_setters and hit.weight >= tuning.topic_setter_weight for hit in hits):
        return hits
    return [
        replace(hit, weight=hit.weight * tuning.topic_factor)
        if hit.category in tuning.topic_categories and hit.weight < 0
        else hit
        for hit in hits
    ]


def combine_totals(native: SideTotals, english: SideTotals, corroboration: float) -> SideTotals:
    """Translated and native evidence for one side: the stronger, plus a share of the weaker.

    Both readings usually see the same cue, so adding them would count it twice; the
    weaker reading only corroborates.
    """

    def merge(first: float, second: float) -> float:
        return max(first, second) + corroboration * min(first, second)

    return SideTotals(
        escalation=merge(native.escalation, english.escalation),
        deescalation=merge(native.deescalation, english.deescalation),
        peak=max(native.peak, english.peak),
    )


def side_label(totals: SideTotals, neutral_threshold: float) -> str | None:
    """The stronger side, or None when no single reading reaches the neutral threshold."""
    if totals.peak < neutral_threshold:
        return None
    return ESCALATION if totals.escalation >= totals.deescalation else DEESCALATION
