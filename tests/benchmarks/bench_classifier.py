"""Time the classifier against langdetect on the same statements (a script, not a test).

Run:  python tests/benchmarks/bench_classifier.py [--repeat N]

Texts are the development set (tests/data/classify/dev/*.jsonl). For each statement
the engine's time is `Classifier.classify(text, lang, english=<translation>)` — both the
native and the English lexicon run, the expensive case — and langdetect's time is
`detect(text)` with its profiles already loaded. Prints median and p95 per statement
and the ratio of the two; the goal is a ratio of at most 0.5.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from langdetect import DetectorFactory, detect

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.classify import Classifier  # noqa: E402

DEV = ROOT / "tests" / "data" / "classify" / "dev"


def load_items() -> list[dict]:
    items = []
    for path in sorted(DEV.glob("*.jsonl")):
        items += [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return items


def per_item_seconds(work: Callable[[dict], object], items: list[dict], repeat: int) -> list[float]:
    """Best of `repeat` runs for each item (the least disturbed by the machine)."""
    timings = []
    for item in items:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            work(item)
            best = min(best, time.perf_counter() - started)
        timings.append(best)
    return timings


def describe(name: str, timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    median = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"{name:<12} median {median * 1e3:7.3f} ms   p95 {p95 * 1e3:7.3f} ms")
    return median, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per statement (best kept)")
    arguments = parser.parse_args()
    items = load_items()
    if not items:
        sys.exit(f"no statements under {DEV}")
    DetectorFactory.seed = 0
    detect("warm up the language profiles")
    classifier = Classifier.load()

    def classify(item: dict) -> object:
        english = item.get("en") if item["lang"] != "en" else None
        return classifier.classify(item["text"], item["lang"], english=english)

    def langdetect(item: dict) -> object:
        return detect(item["text"])

    mean_chars = statistics.mean(len(item["text"]) for item in items)
    print(f"{len(items)} statements, mean {mean_chars:.0f} characters, best of {arguments.repeat}")
    engine_median, engine_p95 = describe("classifier", per_item_seconds(classify, items, arguments.repeat))
    detect_median, detect_p95 = describe("langdetect", per_item_seconds(langdetect, items, arguments.repeat))
    print(
        f"ratio classifier/langdetect: median {engine_median / detect_median:.2f}   "
        f"p95 {engine_p95 / detect_p95:.2f}   (target ≤ 0.50)"
    )


if __name__ == "__main__":
    main()
