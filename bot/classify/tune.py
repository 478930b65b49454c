"""Tune the blend of the learned reading with the rules, on out-of-fold probabilities.

Scenarios: every UN quad development file (as the classifier reads it: native text offline,
machine-translated English as English); the project's statement sets with their English
translation and offline, its incidental-word sets and its rule paraphrases (all of which
the lexicons were tuned on); and the model-only statements (`model_train`, which no lexicon
was tuned on). The chosen blend maximises the mean of the UN macro-F1 and the model-only
macro-F1 among the blends that leave every tuned project figure no lower than the rules
alone (minus `TOLERANCE`): the model must earn its place on prose the rules never saw
without costing what they were made to read.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.classify import Classifier
from bot.classify.learned import MODEL_LANGUAGES
from bot.classify.scoring import side_label
from bot.classify.trainingdata import LABELS, PROJECT, Example, project_items
from bot.evaluate import evaluate
from bot.model import Label

# Without --cv the rules decide alone (act_peak 0): an untuned blend is never shipped.
DEFAULT_BLEND = {"act_peak": 0.0, "rule_scale": 0.0, "escalation_bias": 0.0, "deescalation_bias": 0.0, "max_words": 0}
GRID = {
    "act_peak": (3.5, 5.0),  # at or above a specific act's weight (5) the rules decide alone
    "rule_scale": (0.0, 2.0, 4.0, 8.0),
    "escalation_bias": (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5),
    "deescalation_bias": (-3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0),
    "max_words": (40, 60, 80, 1_000_000),
}
TOLERANCE = 0.005
FRESH = "fresh"
_FLOOR = 1e-6


@dataclass
class Scenario:
    gold: list[tuple[str, tuple[str, ...]]]
    rules: np.ndarray  # rules-only label index per item
    evidence: np.ndarray  # (escalation, de-escalation, peak) per item
    log_probabilities: np.ndarray  # model log-probabilities per item (NaN: no reading)
    words: np.ndarray  # length of the longest text the model read
    vetoes: np.ndarray  # per item and label: the rules discounted that side (see blend.blend)

    def labels(self, parameters: dict[str, float]) -> list[str]:
        """What `blend.blend` decides with these parameters, for every item at once."""
        scale = parameters["rule_scale"] / 10
        shift = np.stack(
            [
                scale * self.evidence[:, 0] + parameters["escalation_bias"],
                scale * self.evidence[:, 1] + parameters["deescalation_bias"],
                np.zeros(len(self.gold)),
            ],
            axis=1,
        )
        blended = np.argmax(np.where(self.vetoes, -np.inf, self.log_probabilities + shift), axis=1)
        rules_decide = (
            (self.evidence[:, 2] >= parameters["act_peak"])
            | (self.words > parameters["max_words"])
            | np.isnan(self.log_probabilities[:, 0])
        )
        return [LABELS[index] for index in np.where(rules_decide, self.rules, blended)]

    def macro_f1(self, parameters: dict[str, float]) -> float:
        return evaluate(self.gold, self.labels(parameters)).macro_f1

    def rules_macro_f1(self) -> float:
        return evaluate(self.gold, [LABELS[index] for index in self.rules]).macro_f1


# (text, lang, English or None, gold label, also, [(text read, probabilities)])
ScenarioItem = tuple[str, str, str | None, str, tuple[str, ...], list[tuple[str, dict[str, float]]]]


def _scenario(classifier: Classifier, items: Sequence[ScenarioItem]) -> Scenario:
    """`items`: (text, lang, English or None, gold label, also, [(text read, probabilities)])."""
    threshold = classifier.categories.tuning.neutral_threshold
    gold, rules, evidence, log_probabilities, words, vetoes = [], [], [], [], [], []
    for text, lang, english, label, also, read in items:
        rules_reading = classifier.read_rules(text, lang, english)
        totals = rules_reading.totals
        vetoes.append([name in rules_reading.discounted for name in LABELS])
        side = side_label(totals, threshold)
        rules.append(LABELS.index(side if side is not None else Label.NEUTRAL.value))
        evidence.append((totals.escalation, totals.deescalation, totals.peak))
        gold.append((label, also))
        readings = [reading for _, reading in read if reading]
        words.append(max((len(text_read.split()) for text_read, reading in read if reading), default=0))
        if readings:
            average = [sum(reading[name] for reading in readings) / len(readings) for name in LABELS]
            log_probabilities.append(np.log(np.maximum(average, _FLOOR)))
        else:
            log_probabilities.append(np.full(len(LABELS), np.nan))
    return Scenario(
        gold, np.array(rules), np.array(evidence), np.array(log_probabilities), np.array(words), np.array(vetoes)
    )


def _project_items(
    items: Sequence[dict], probabilities: Callable[[dict, str], dict[str, float]]
) -> tuple[list[ScenarioItem], list[ScenarioItem]]:
    """Project items as the classifier reads them: with their English translation, and offline."""
    translated, offline = [], []
    for item in items:
        lang, also = item["lang"], tuple(item.get("also") or ())
        native = [(item["text"], probabilities(item, item["text"]))] if lang in MODEL_LANGUAGES else []
        if lang == "en" or not item.get("en"):
            translated.append((item["text"], lang, None, item["label"], also, native))
            continue
        english = [(item["en"], probabilities(item, item["en"]))]
        translated.append((item["text"], lang, item["en"], item["label"], also, native + english))
        offline.append((item["text"], lang, None, item["label"], also, native))
    return translated, offline


def scenarios(examples: Sequence[Example], probabilities: Sequence[dict[str, float]]) -> dict[str, Scenario]:
    classifier = Classifier.load(learned=False)
    found: dict[str, Scenario] = {}
    for source in sorted({example.source for example in examples} - {PROJECT}):
        found[source] = _scenario(
            classifier,
            [
                (e.text, e.lang, None, e.label, (), [(e.text, p)])
                for e, p in zip(examples, probabilities, strict=True)
                if e.source == source
            ],
        )
    oof = {(e.group, e.text): p for e, p in zip(examples, probabilities, strict=True) if e.source == PROJECT}

    def unseen(item: dict, text: str) -> dict[str, float]:
        return oof[(item["id"], text)]

    translated, offline = _project_items(project_items("statements"), unseen)
    found["project translated"] = _scenario(classifier, translated)
    found["project offline"] = _scenario(classifier, offline)
    found["project incidental"] = _scenario(classifier, _project_items(project_items("incidental"), unseen)[0])
    found["project paraphrases"] = _scenario(classifier, _project_items(project_items("paraphrases"), unseen)[0])
    # Not a floor but a goal: the lexicons never saw these statements either.
    fresh_translated, fresh_offline = _project_items(project_items("fresh"), unseen)
    if fresh_translated:
        found[f"{FRESH} translated"] = _scenario(classifier, fresh_translated)
        found[f"{FRESH} offline"] = _scenario(classifier, fresh_offline)
    return found


def tune_blend(examples: Sequence[Example], probabilities: Sequence[dict[str, float]]) -> dict[str, float]:
    found = scenarios(examples, probabilities)
    goals = [name for name in found if not name.startswith(PROJECT)]
    fresh = [name for name in goals if name.startswith(FRESH)]
    un = [name for name in goals if name not in fresh]

    def goal(scores: dict[str, float]) -> float:
        """UN prose and fresh statements count half each (the fresh set is what the bot reads)."""
        means = [float(np.mean([scores[name] for name in names])) for names in (un, fresh) if names]
        return float(np.mean(means))

    floors = {name: found[name].rules_macro_f1() - TOLERANCE for name in found if name.startswith(PROJECT)}
    print("rules alone: " + ", ".join(f"{name} {found[name].rules_macro_f1():.3f}" for name in found))
    results = []
    for values in itertools.product(*GRID.values()):
        parameters = dict(zip(GRID, values, strict=True))
        scores = {name: scenario.macro_f1(parameters) for name, scenario in found.items()}
        admissible = all(scores[name] >= floor for name, floor in floors.items())
        results.append((admissible, goal(scores), values, scores))
    results.sort(key=lambda result: (result[0], result[1]), reverse=True)
    for admissible, mean, parameters, scores in results[:8]:
        figures = ", ".join(f"{name} {value:.3f}" for name, value in scores.items())
        print(f"  {'ok ' if admissible else 'no '} goal mean {mean:.3f}  blend {parameters}: {figures}")
    best = results[0]
    if not best[0]:
        print("no blend keeps the project figures: the rules decide alone (act_peak 0)")
        return DEFAULT_BLEND
    return dict(zip(GRID, best[2], strict=True))
