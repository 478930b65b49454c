"""The classifier against langdetect on the same statements.

Texts are the development set (tests/data/classify/dev/*.jsonl), each with a unique
reference appended when cycled so no cache answers twice.

- Per statement (in process, best of `repeat`): our language detection plus
  `Classifier.classify(text, lang)` against langdetect's `detect(text)` alone.
- End to end: `ladderwatch classify --jsonl FILE --no-translate` on N statements against
  `python -m benchmarks.langdetect_alone FILE` on the same file (both processes timed
  whole, start-up included).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.procs import bot_env, run_measured

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "tests" / "data" / "classify" / "dev"


@dataclass(frozen=True)
class ClassifierFigures:
    statements: int
    median_ms: float
    p95_ms: float
    langdetect_median_ms: float
    langdetect_p95_ms: float
    cli_statements: int
    cli_seconds: float
    cli_cpu_seconds: float
    langdetect_seconds: float
    langdetect_cpu_seconds: float

    @property
    def median_ratio(self) -> float:
        return self.median_ms / self.langdetect_median_ms

    @property
    def cli_ratio(self) -> float:
        return self.cli_seconds / self.langdetect_seconds

    @property
    def cli_cpu_ratio(self) -> float:
        return self.cli_cpu_seconds / self.langdetect_cpu_seconds


def load_items() -> list[dict]:
    items = []
    for path in sorted(DEV.glob("*.jsonl")):
        items += [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return items


def cycled(items: list[dict], count: int) -> list[dict]:
    """`count` statements from the set, later rounds with a unique reference appended."""
    out = []
    for n in range(count):
        item = items[n % len(items)]
        text = item["text"] if n < len(items) else f"{item['text']} (ref {n})"
        out.append({"id": n, "text": text})
    return out


def per_item_seconds(work: Callable[[str], object], items: list[dict], repeat: int) -> list[float]:
    """Best of `repeat` runs for each item (the least disturbed by the machine); each run's
    text carries its own reference, so no cache answers a repeat."""
    timings = []
    for item in items:
        best = float("inf")
        for run in range(repeat):
            text = f"{item['text']} ({run})"
            started = time.perf_counter()
            work(text)
            best = min(best, time.perf_counter() - started)
        timings.append(best)
    return timings


def median_p95(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered) * 1e3, ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1e3


def measure_classifier(cli_statements: int, repeat: int) -> ClassifierFigures:
    from langdetect import DetectorFactory, detect

    from bot.classify import Classifier
    from bot.language import detect_language

    items = load_items()
    DetectorFactory.seed = 0
    detect("warm up the language profiles")
    classifier = Classifier.load()

    def ours(text: str) -> object:
        return classifier.classify(text, detect_language(text))

    def langdetect(text: str) -> object:
        return detect(text)

    median, p95 = median_p95(per_item_seconds(ours, items, repeat))
    ld_median, ld_p95 = median_p95(per_item_seconds(langdetect, items, repeat))
    with tempfile.TemporaryDirectory(prefix="lw-bench-") as temp:
        folder = Path(temp)
        data = folder / "statements.jsonl"
        data.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in cycled(items, cli_statements)))
        env = bot_env(folder)
        classify = ["-m", "bot", "classify", "--jsonl", str(data), "--no-translate"]
        alone = ["-m", "benchmarks.langdetect_alone", str(data)]
        cli_runs, alone_runs = [], []
        for _ in range(repeat):  # alternated, best of each kept: the least disturbed by the machine
            cli_runs.append(run_measured(classify, env))
            alone_runs.append(run_measured(alone, env))
        for run in cli_runs + alone_runs:
            if run.returncode != 0 or run.stdout.count("\n") != cli_statements:
                raise RuntimeError(f"{run.stderr[-2000:]}")
        cli = min(cli_runs, key=lambda r: r.seconds)
        ld = min(alone_runs, key=lambda r: r.seconds)
        cli_cpu = min(r.cpu_seconds for r in cli_runs)
        ld_cpu = min(r.cpu_seconds for r in alone_runs)
    return ClassifierFigures(
        len(items), median, p95, ld_median, ld_p95, cli_statements, cli.seconds, cli_cpu, ld.seconds, ld_cpu
    )
