"""Labelled classifier sets for tests: read a JSONL file, score a set's items."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from bot.classify import Classifier
from bot.evaluate import evaluate
from bot.model import Label

DATA = Path(__file__).parents[1] / "data" / "classify"


def read_items(path: Path) -> list[dict]:
    """The JSON objects of a JSONL file, blank lines skipped."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def paraphrases_per_rule(items: Sequence[dict]) -> tuple[dict[str, int], int]:
    """How many sentences read each rule, and how many near misses (`rule` starting "near miss")."""
    counts: dict[str, int] = {}
    near_misses = 0
    for item in items:
        if item["rule"].startswith("near miss"):
            near_misses += 1
        else:
            counts[item["rule"]] = counts.get(item["rule"], 0) + 1
    return counts, near_misses


def macro_f1(classifier: Classifier, items: Sequence[dict], translated: bool = False) -> float:
    """Macro-F1 of the classifier on `items`, offline or (`translated`) with each item's `en`."""
    predicted = [
        classifier.classify(item["text"], item["lang"], item.get("en") if translated else None).label.value
        for item in items
    ]
    return evaluate([(item["label"], item.get("also", [])) for item in items], predicted).macro_f1


# Near-misses the rules read right and the learned reading (retrained 2026-12-07 on the
# model-only statements, which raised every never-tuned set with translation) takes a side
# on: weak rule evidence or none, and the model's words lean. Strict xfails: a retraining
# that reads them right must take them off this list.
MODEL_MISREADS = {
    "cen-116": "the model reads labour 'talks' after a postponed strike as de-escalation",
    "posture-pullback-en-06": "the model reads 'agreed to pull back' as a step back (a bank)",
    "posture-condthreat-en-09": "the model leans escalation on 'border' and 'night' (a night bus)",
    "pco-r4-ar-01": "the model reads a defence ministry's call for volunteers (ar) as mobilisation",
    "cen-80": "the model adds 'meet' to a sanctions committee's regular session (rules: an institution)",
    "eng-207": "the model outweighs 'solemn representations' (a formal protest) with neutral wording",
    "po-ar-17": "the model outweighs a negated 'escalation' after the clitic ف (ar) with neutral wording",
    "veiled-threat-en-22": "the model leans escalation on 'vessel', 'harbour', 'midnight' (a customs notice)",
}


def with_known_gaps(items: Sequence[dict], gaps: Mapping[str, str]) -> list:
    """`items` as pytest parameters named by id; those in `gaps` (id → why) are strict
    xfails, so a gap that closes shows up and must leave the list."""
    return [
        pytest.param(item, id=item["id"], marks=pytest.mark.xfail(reason=gaps[item["id"]], strict=True))
        if item["id"] in gaps
        else pytest.param(item, id=item["id"])
        for item in items
    ]


def family_of(item: dict) -> str:
    """A paraphrase's family: the second part of its id (`veiled-threat-en-01` → `threat`)."""
    return item["id"].split("-")[1]


def assert_reads(classifier: Classifier, item: dict) -> None:
    """The classifier gives a paraphrase its label; the failure names its note and cues."""
    verdict = classifier.classify(item["text"], item["lang"])
    assert verdict.label == Label(item["label"]), (item["note"], verdict.cues)


def family_coverage(items: Sequence[dict]) -> tuple[Counter[tuple[str, str]], Counter[str]]:
    """Sentences per (family, language) that are not near-misses, and near-misses per family
    (a note starting "near-miss")."""
    sentences: Counter[tuple[str, str]] = Counter()
    near_misses: Counter[str] = Counter()
    for item in items:
        if item["note"].startswith("near-miss"):
            near_misses[family_of(item)] += 1
        else:
            sentences[(family_of(item), item["lang"])] += 1
    return sentences, near_misses


def family_tests(paraphrases: Sequence[dict], families: Sequence[str], gaps: Mapping[str, str] | None = None):
    """The two tests of a paraphrase file of rule families: each sentence reads its label
    (those in `gaps` strict xfails), and each family has two sentences and a near-miss.
    Assign them to module-level names so pytest collects them."""

    @pytest.mark.parametrize("item", with_known_gaps(paraphrases, gaps or {}))
    def test_each_family_reads_its_paraphrase(classifier, item):
        assert_reads(classifier, item)

    def test_every_family_has_two_sentences_and_near_misses():
        sentences, near_misses = family_coverage(paraphrases)
        for family in families:
            assert sum(n for (f, _), n in sentences.items() if f == family) >= 2 and near_misses[family] >= 1, family

    return test_each_family_reads_its_paraphrase, test_every_family_has_two_sentences_and_near_misses
