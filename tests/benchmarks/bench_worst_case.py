"""Worst-case texts through the classifier: time and peak memory (a script, not a test).

Run:  python tests/benchmarks/bench_worst_case.py            # every case, a table
      python tests/benchmarks/bench_worst_case.py --case NAME --json   # one case, JSON

Each case runs in its own process so that its peak memory (`ru_maxrss`, which includes
the interpreter and the compiled lexicons) is its own. The cases are the ones issue 9
found: a 4.9 MB single token, 4.9 MB of conflict words, and "no attack " × 800 (every
negation used to be checked against every cue: 13.7 s). The engine reads at most
`MAX_CLASSIFIED_CHARS` of a text, so the 4.9 MB cases cost what 10,000 characters cost.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SIZE = 4_900_000
CASES = {
    "single_token": lambda: "a" * SIZE,
    "conflict_words": lambda: ("attack missile strike war ceasefire no talks prices killed soldiers " * 80_000)[:SIZE],
    "no_attack_x800": lambda: "no attack " * 800,
    "no_attack_10k": lambda: "no attack " * 1_000,
}


def measure(name: str) -> dict[str, object]:
    """Load the classifier, build the case's text, classify it once; seconds and peak MB.

    A short English statement is classified first, so the English lexicon's compilation and
    the model's loading (a second or more, once per process) are not counted as the case's."""
    from bot.classify import Classifier

    classifier = Classifier.load()
    classifier.classify("The army shelled the border post.", "en")
    text = CASES[name]()
    start, cpu_start = time.perf_counter(), time.process_time()
    verdict = classifier.classify(text, "en")
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    # VmHWM, not ru_maxrss: rusage keeps the parent's resident pages from before exec, so a
    # child of a 300 MB pytest reported 300 MB whatever it did (tests/faults/peak.py).
    status = Path("/proc/self/status").read_text()
    peak_mb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024
    return {
        "case": name,
        "chars": len(text),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "peak_mb": round(peak_mb, 1),
        "label": verdict.label.value,
    }


def run_isolated(name: str) -> dict[str, object]:
    """`measure(name)` in a fresh interpreter, so peak memory belongs to that case alone."""
    output = subprocess.run(
        [sys.executable, __file__, "--case", name, "--json"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    return json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.case:
        result = measure(args.case)
        print(json.dumps(result) if args.json else result)
        return
    print(f"{'case':16} {'chars':>9} {'seconds':>8} {'peak MB':>8}  label")
    for name in CASES:
        result = run_isolated(name)
        print(f"{name:16} {result['chars']:>9} {result['seconds']:>8} {result['peak_mb']:>8}  {result['label']}")


if __name__ == "__main__":
    main()
