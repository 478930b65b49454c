"""Where an ingest's CPU goes: each CPU stage alone, in process, on the feed farm's items.

`python -m benchmarks.stages [FEEDS] [ENTRIES]` (default 600 × 20, the ingest benchmark's
size) builds the farm's feed bodies in memory and times, in CPU seconds of this process:
parsing every body, detecting every item's language, compiling the lexicons met (the first
items of each language), and classifying the rest (rules and learned reading, then the
rules alone). No network, no database: what `poll --once` pays on top is the event loop's
share (fetching, dedupe, storage, output).
"""

from __future__ import annotations

import sys
import time

from benchmarks.feeds import Farm
from bot.analysis import detect_all
from bot.classify import Classifier
from bot.reader.parser import parse_document


def _cpu_since(started: float) -> float:
    return time.process_time() - started


def main(feeds: int = 600, entries: int = 20) -> None:
    farm = Farm(feeds, entries)
    bodies = [farm.body(feed) for feed in range(feeds)]
    started = time.process_time()
    items = [
        entry
        for feed, body in enumerate(bodies)
        for entry in parse_document(body, "application/rss+xml", f"http://127.0.0.2/feed/{feed}.xml", "rss")
    ]
    parse = _cpu_since(started)
    texts = [item.text for item in items]
    started = time.process_time()
    langs = detect_all(texts, [])
    detect = _cpu_since(started)
    classifier, rules = Classifier.load(), Classifier.load(learned=False)
    first = {lang: index for index, lang in reversed(list(enumerate(langs)))}  # each language's first item
    started = time.process_time()
    for index in first.values():
        classifier.classify(texts[index], langs[index])
    compile_seconds = _cpu_since(started)
    for index in first.values():  # the rules-alone classifier compiles its own copy, untimed
        rules.classify(texts[index], langs[index])
    rest = [index for index in range(len(texts)) if index not in first.values()]
    started = time.process_time()
    for index in rest:
        classifier.classify(texts[index], langs[index])
    classify = _cpu_since(started)
    started = time.process_time()
    for index in rest:
        rules.classify(texts[index], langs[index])
    rules_only = _cpu_since(started)
    per = 1e3 / len(texts)
    print(f"{len(texts)} items from {feeds} feeds, {len(first)} languages; CPU seconds (ms per item)")
    print(f"  parse            {parse:6.2f}  ({parse * per:.3f})")
    print(f"  detect language  {detect:6.2f}  ({detect * per:.3f})")
    print(f"  compile lexicons {compile_seconds:6.2f}  (and load the model: once per process)")
    print(f"  classify         {classify:6.2f}  ({classify * 1e3 / len(rest):.3f}; rules alone {rules_only:.2f})")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
