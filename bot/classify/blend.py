"""How the learned reading and the rules make one verdict.

The rules decide alone when they found a specific act (an attack, a ceasefire agreed:
a side at or above `act_peak`), and on texts longer than `max_words` (the model learnt
from single sentences; on multi-sentence statements it mistook ordinary cooperation for
de-escalation). Otherwise the model's class log-probabilities and the rules' evidence per
side are added, the rules counting `rule_scale` log-odds per ten points; the two biases
move each side's line against neutral. The numbers are tuned out of fold on the
development data by `python -m bot.classify.train --cv` and shipped with the weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.classify.learned import Reading
from bot.classify.scoring import SideTotals
from bot.model import Cue, Label

MODEL_CATEGORY = "model"
_FLOOR = 1e-6


@dataclass(frozen=True)
class BlendParameters:
    act_peak: float
    rule_scale: float
    escalation_bias: float
    deescalation_bias: float
    max_words: int

    @classmethod
    def from_header(cls, header: dict[str, object]) -> BlendParameters:
        values = header.get("blend")
        if not isinstance(values, dict):
            raise ValueError("model weights: no 'blend' parameters (retrain with python -m bot.classify.train)")
        return cls(
            float(values["act_peak"]),
            float(values["rule_scale"]),
            float(values["escalation_bias"]),
            float(values["deescalation_bias"]),
            int(values["max_words"]),
        )


@dataclass(frozen=True)
class Blended:
    label: Label
    confidence: float
    score: float
    cues: tuple[Cue, ...]


def rules_decide(totals: SideTotals, words: int, parameters: BlendParameters, discounted: frozenset[str]) -> bool:
    """The rules decide alone: they found a specific act, the text is longer than the model
    learnt from (`words`: the longest text read), or the model may take neither side.

    Known before the model reads anything (but for `words`, which the caller can bound), so
    the classifier skips the reading the blend would not use.
    """
    return (
        totals.peak >= parameters.act_peak
        or words > parameters.max_words
        or {Label.ESCALATION.value, Label.DEESCALATION.value} <= discounted
    )


def blend(
    totals: SideTotals, reading: Reading, parameters: BlendParameters, discounted: frozenset[str] = frozenset()
) -> Blended | None:
    """The joint verdict, or None when the rules decide alone: they found a specific act, or
    the model may take neither side.

    A side in `discounted` (its words were read and set aside by a context, a condition or
    an other-sense phrase, like a chess "attack") is never taken on the model's word.
    """
    if rules_decide(totals, reading.words, parameters, discounted):
        return None
    probabilities = reading.probabilities
    logits = {
        Label.ESCALATION: math.log(max(probabilities[Label.ESCALATION.value], _FLOOR))
        + parameters.rule_scale * totals.escalation / 10
        + parameters.escalation_bias,
        Label.DEESCALATION: math.log(max(probabilities[Label.DEESCALATION.value], _FLOOR))
        + parameters.rule_scale * totals.deescalation / 10
        + parameters.deescalation_bias,
        Label.NEUTRAL: math.log(max(probabilities[Label.NEUTRAL.value], _FLOOR)),
    }
    for label in logits:
        if label.value in discounted:
            logits[label] = -math.inf
    top = max(logits.values())
    total = sum(math.exp(value - top) for value in logits.values())
    joint = {label: math.exp(value - top) / total for label, value in logits.items()}
    label = max(joint, key=lambda name: joint[name])
    cues: tuple[Cue, ...] = ()
    if label != Label.NEUTRAL and reading.label == label.value:
        sign = 1.0 if label == Label.ESCALATION else -1.0
        cues = tuple(
            Cue(text=phrase, lang=reading.lang, weight=round(sign * value, 2), category=MODEL_CATEGORY)
            for phrase, value in reading.evidence
        )
    return Blended(
        label=label,
        confidence=joint[label],
        score=joint[Label.ESCALATION] - joint[Label.DEESCALATION],
        cues=cues,
    )
