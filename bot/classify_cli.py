"""`ladderwatch classify` and `ladderwatch eval`: the engine on free text, one text or JSONL lines.

Language → translation → classification, as in the pipeline but without storing anything;
the translation cache is the only database use. Apart from `bot/cli.py` (which wires the
commands) to keep each module near one concept and under ~400 lines.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli_errors import CommandError
from bot.jsonl_input import blank, jsonl_batches, jsonl_rows
from bot.settings import Settings
from bot.storage.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from bot.model import Translation, Verdict
    from bot.storage.db import Database


def language_argument(raw: str) -> str:
    """argparse type of `--lang`: a code language detection knows, else a usage error naming them."""
    from bot.language import language_hint, unknown_language

    code = language_hint(raw)
    if code is None:
        raise argparse.ArgumentTypeError(unknown_language(raw))
    return code


def _hint_problem(item: dict[str, object] | None) -> str | None:
    """Why a line's `"lang"` cannot be a language hint, or None (also when it has none)."""
    from bot.language import language_hint, unknown_language

    lang = None if item is None else item.get("lang")
    if lang is None or (isinstance(lang, str) and not lang.strip()):
        return None
    if isinstance(lang, str) and language_hint(lang):
        return None
    return f'"lang" {unknown_language(str(lang))}'


def _open_cache_database(url: str) -> Database:
    """The translation cache; an unusable database (read-only folder…) only costs the cache."""
    from bot.storage.db import open_database

    try:
        return open_database(url)
    except DatabaseUnavailable as error:
        print(f"ladderwatch: translation cache disabled: {error}", file=sys.stderr)
        return open_database("sqlite://")


class Analyser:
    """Language → translation → classification for free text (classify and eval)."""

    def __init__(self, settings: Settings, translate: bool, learned: bool = True) -> None:
        from bot.classify import Classifier

        self.classifier = Classifier.load() if learned else Classifier.load(learned=False)
        self.translator = None
        self.db: Database | None = None
        if translate and not settings.translation_off:
            from bot.translate import TranslationService

            self.db = _open_cache_database(settings.database_url)
            self.translator = TranslationService(settings, self.db)

    def analyse_offline(self, text: str, lang_hint: str | None, english: str | None = None) -> dict[str, object]:
        """Detection and classification only (no network translator): CPU work, run in a thread."""
        from bot.analysis import no_translation
        from bot.language import detect_language
        from bot.model import Translation

        lang = detect_language(text, (lang_hint,) if lang_hint else ())
        translation = no_translation(lang) if english is None else Translation(english, lang, "en", "reference")
        return _analysis(lang, translation, self.classifier.classify(text, lang, translation.text))

    async def analyse(self, text: str, lang_hint: str | None, english: str | None = None) -> dict[str, object]:
        from bot.analysis import translate_and_classify
        from bot.language import detect_language

        if self.translator is None or english is not None:
            return await asyncio.to_thread(self.analyse_offline, text, lang_hint, english)
        lang = await asyncio.to_thread(detect_language, text, (lang_hint,) if lang_hint else ())
        translation, verdict = await translate_and_classify(self.translator, self.classifier, text, lang)
        return _analysis(lang, translation, verdict)

    async def analyse_many(
        self, items: Sequence[tuple[str, str | None, str | None]], concurrency: int = 4
    ) -> list[dict[str, object]]:
        """Several texts at once, results in input order: offline all in one worker thread
        (no thread hop per text), with a translator several at a time (I/O bound)."""
        if self.translator is None:
            return await asyncio.to_thread(lambda: [self.analyse_offline(*item) for item in items])
        gate = asyncio.Semaphore(concurrency)

        async def one(item: tuple[str, str | None, str | None]) -> dict[str, object]:
            async with gate:
                return await self.analyse(*item)

        return list(await asyncio.gather(*(one(item) for item in items)))

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


def _analysis(lang: str, translation: Translation, verdict: Verdict) -> dict[str, object]:
    return {
        "lang": lang,
        "label": verdict.label.value,
        "score": round(verdict.score, 4),
        "confidence": round(verdict.confidence, 4),
        "mixed": verdict.mixed,
        "abstained": verdict.abstained,
        "reason": verdict.reason,
        "cues": [
            {"text": c.text, "lang": c.lang, "weight": c.weight, "category": c.category, "english": c.english}
            for c in verdict.cues
        ],
        "translation": translation.text,
        "translated": translation.text is not None,
        "translation_error": translation.error,
    }


def _verdict_text(text: str, result: dict[str, object]) -> str:
    if result["abstained"]:
        lines = [f"NOT CLASSIFIED (abstained, confidence 0): {result['reason']}", f"language: {result['lang']}"]
        if result.get("translation_error"):
            lines.append(f"translation unavailable: {result['translation_error']}")
        lines.append("to read it: configure a translator (LADDERWATCH_TRANSLATOR) or add a lexicon for the language")
        return "\n".join(lines)
    lines = [
        f"{str(result['label']).upper()}  score {result['score']:+.2f}  confidence {result['confidence']:.2f}"
        + ("  (mixed)" if result["mixed"] else ""),
        f"language: {result['lang']}",
    ]
    if result["translated"]:
        lines.append(f"translation: {result['translation']}")
    elif result.get("translation_error"):
        lines.append(f"translation unavailable: {result['translation_error']}")
    cues = result["cues"]
    assert isinstance(cues, list)
    if cues:
        lines.append("cues:")
        for cue in cues:
            gloss = f" = {cue['english']!r}" if cue.get("english") and cue["english"] != cue["text"] else ""
            lines.append(f"  {cue['weight']:+.1f}  {cue['category']:<22} {cue['text']!r} [{cue['lang']}]{gloss}")
    else:
        lines.append("cues: none (no conflict posture found)")
    return "\n".join(lines)


def cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    analyser = Analyser(settings, translate=not args.no_translate)
    try:
        if args.jsonl is None:
            if not args.text:
                raise CommandError('give a text (ladderwatch classify "TEXT") or --jsonl FILE|-')
            text = " ".join(args.text)
            if blank(text):
                raise CommandError("nothing to classify: the text is empty (or only spaces and control characters)")
            from bot.translate import failures_not_logged

            with failures_not_logged():  # the verdict says "translation unavailable: …" itself
                print(_verdict_text(text, asyncio.run(analyser.analyse(text, args.lang))))
            return 0
        return 0 if asyncio.run(_classify_stream(analyser, args.jsonl)) else 1
    finally:
        analyser.close()


async def _classify_stream(analyser: Analyser, name: str) -> bool:
    """`classify --jsonl`: each batch of what has been read is classified, then printed in input
    order with its bad lines on stderr, before more is read; so memory stays bounded and a
    consumer reading the answers gets each one while it is still writing. True if no line was bad."""
    all_good = True
    with contextlib.closing(jsonl_batches(name, ["text"])) as batches:
        while (batch := await asyncio.to_thread(next, batches, None)) is not None:
            rows = [(number, item, error or _hint_problem(item)) for number, item, error in batch]
            texts = [(str(item["text"]), _str_or_none(item.get("lang")), None) for _, item, e in rows if item and not e]
            results = iter(await analyser.analyse_many(texts))
            for number, item, error in rows:
                if item is None or error is not None:
                    sys.stdout.flush()  # stdout and stderr in input order on a terminal
                    print(f"{name}:{number}: {error}; line skipped", file=sys.stderr)
                    all_good = False
                    continue
                result = next(results)
                result.pop("translation_error")
                sys.stdout.write(json.dumps({"id": item.get("id"), **result}, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    return all_good


GOLD_LABELS = ("escalation", "de-escalation", "neutral")


def _gold_problem(item: dict[str, object] | None) -> str | None:
    """Why a line's gold `label` (or `also`) cannot be scored, or None: an unknown label would
    otherwise be counted as a class of its own and skew every score."""
    if item is None:
        return None
    if item["label"] not in GOLD_LABELS:
        return f"gold label {str(item['label'])[:40]!r} is not one of {', '.join(GOLD_LABELS)}"
    also = item.get("also")
    if also is not None and not (isinstance(also, list) and all(label in GOLD_LABELS for label in also)):
        return f'"also" must be a list of labels from {", ".join(GOLD_LABELS)}'
    return None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _un_quad_files(names: Sequence[str]) -> list[Path]:
    """The corpus files named, a directory standing for every *.jsonl in it."""
    files: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            files += sorted(path.glob("*.jsonl"))
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"{name}: no such file or directory")
    if not files:
        raise CommandError(f"{', '.join(names)}: no *.jsonl files of the UN quad corpus there")
    return files


def cmd_eval_un_quad(args: argparse.Namespace, settings: Settings) -> int:
    """Per corpus file: engine vs keyword baseline; then cross-language agreement with `en`."""
    from bot.evaluate import agreement, evaluate, format_comparison, keyword_baseline, quad_gold

    analyser = Analyser(settings, translate=not args.no_translate, learned=not args.rules_only)
    labels_by_file: dict[str, dict[str, str]] = {}
    bad = 0
    try:
        for path in _un_quad_files(args.files):
            rows: list[dict[str, object]] = []
            for number, item, error in jsonl_rows(str(path), ["id", "text", "lang"]):
                problem = error or _hint_problem(item)
                if item is None or problem or not isinstance(item.get("quad"), int):
                    problem = problem or 'missing integer "quad"'
                    print(f"{path}:{number}: {problem}; line skipped", file=sys.stderr)
                    bad += 1
                else:
                    rows.append(item)
            predictions = asyncio.run(
                analyser.analyse_many([(str(row["text"]), str(row["lang"]), None) for row in rows])
            )
            labels = [str(p["label"]) for p in predictions]
            labels_by_file[path.stem] = {str(row["id"]): label for row, label in zip(rows, labels, strict=True)}
            kept = quad_gold(rows, args.mapping)
            gold = [(label, ()) for _, label in kept]
            engine = evaluate(gold, [labels[position] for position, _ in kept])
            baseline = evaluate(gold, [keyword_baseline(str(rows[position]["text"])) for position, _ in kept])
            print(f"{path}: {len(kept)} of {len(rows)} rows scored (mapping {args.mapping})")
            print(format_comparison([("ladderwatch", engine), ("keyword base", baseline)]))
    finally:
        analyser.close()
    reference = labels_by_file.get("en")
    if reference is not None:
        print("cross-language agreement: rows where en is non-neutral and the other file gives the same label")
        for name, other in labels_by_file.items():
            if name != "en":
                agreeing, counted = agreement(reference, other)
                share = agreeing / counted if counted else 0.0
                print(f"  en = {name}: {agreeing}/{counted} = {share:.3f}")
    return 1 if bad else 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluate import evaluate, format_report

    if args.un_quad:
        return cmd_eval_un_quad(args, settings)
    items: list[dict[str, object]] = []
    bad = 0
    for name in args.files:
        for number, item, error in jsonl_rows(name, ["text", "label"]):
            error = error or _gold_problem(item) or (_hint_problem(item) if args.lang_hints else None)
            if item is None or error:
                print(f"{name}:{number}: {error}; line skipped", file=sys.stderr)
                bad += 1
            else:
                items.append(item)
    if not items:
        raise CommandError('no evaluable lines: each needs "text" and a gold "label"')
    analyser = Analyser(
        settings, translate=not args.no_translate and not args.reference_translation, learned=not args.rules_only
    )
    try:
        predictions = asyncio.run(
            analyser.analyse_many(
                [
                    (
                        str(item["text"]),
                        _str_or_none(item.get("lang")) if args.lang_hints else None,
                        _str_or_none(item.get("en")) if args.reference_translation else None,
                    )
                    for item in items
                ]
            )
        )
    finally:
        analyser.close()
    gold = [(str(item["label"]), tuple(item.get("also") or ())) for item in items]
    mode = (
        "reference translation"
        if args.reference_translation
        else ("original only" if args.no_translate else "translated")
    )
    print(f"{len(items)} statements, mode: {mode}")
    print(format_report(evaluate(gold, [str(p["label"]) for p in predictions])))
    lang_known = [(item["lang"], p["lang"]) for item, p in zip(items, predictions, strict=True) if item.get("lang")]
    if lang_known:
        correct = sum(1 for expected, got in lang_known if expected == got)
        print(f"language identification: {correct}/{len(lang_known)} = {correct / len(lang_known):.3f}")
    return 1 if bad else 0
