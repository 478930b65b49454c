"""The `ladderwatch` command line (DESIGN.md "Command line"): one function per command.

User mistakes (bad settings, files, input lines) end with one clear line on stderr and a
non-zero status, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from bot.settings import NotUtf8Error, Settings, SettingsError, load_settings, read_utf8
from bot.storage.db import BotLockTaken, Database, DatabaseUnavailable, SchemaOutOfDate, open_database

if TYPE_CHECKING:
    from bot.model import Translation, Verdict

EXIT_USAGE = 2


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit status 2."""


# --- classify / eval -----------------------------------------------------------------


def _read_jsonl(stream: TextIO, required: Sequence[str]) -> Iterator[tuple[int, dict[str, object] | None, str | None]]:
    """(line number, object or None, error or None) for every non-blank line."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, None, f"not JSON ({error.msg})"
            continue
        if not isinstance(item, dict):
            yield number, None, "expected a JSON object"
            continue
        missing = [key for key in required if not isinstance(item.get(key), str) or not item[key].strip()]
        if missing:
            yield number, None, f"missing or empty {', '.join(repr(m) for m in missing)}"
            continue
        yield number, item, None


def _open_cache_database(url: str) -> Database:
    """The translation cache; an unusable database (read-only folder…) only costs the cache."""
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
        if translate and settings.translators != ("none",):
            from bot.translate import TranslationService

            self.db = _open_cache_database(settings.database_url)
            self.translator = TranslationService(settings, self.db)

    def analyse_offline(self, text: str, lang_hint: str | None, english: str | None = None) -> dict[str, object]:
        """Detection and classification only (no network translator): CPU work, run in a thread."""
        from bot.language import detect_language
        from bot.model import Translation
        from bot.pipeline import no_translation

        lang = detect_language(text, (lang_hint,) if lang_hint else ())
        translation = no_translation(lang) if english is None else Translation(english, lang, "en", "reference")
        return _analysis(lang, translation, self.classifier.classify(text, lang, translation.text))

    async def analyse(self, text: str, lang_hint: str | None, english: str | None = None) -> dict[str, object]:
        from bot.language import detect_language
        from bot.pipeline import translate_and_classify

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


def _open_input(name: str) -> TextIO:
    if name == "-":
        return sys.stdin
    path = Path(name)
    if not path.is_file():
        raise CommandError(f"{name}: no such file")
    try:
        return io.StringIO(read_utf8(path))
    except NotUtf8Error as error:
        raise CommandError(str(error)) from None


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
            print(_verdict_text(text, asyncio.run(analyser.analyse(text, args.lang))))
            return 0
        stream = _open_input(args.jsonl)
        rows = list(_read_jsonl(stream, ["text"]))
        good = [(n, item) for n, item, error in rows if item is not None]
        for number, _, error in rows:
            if error:
                print(f"{args.jsonl}:{number}: {error}; line skipped", file=sys.stderr)
        results = asyncio.run(
            analyser.analyse_many([(str(item["text"]), _str_or_none(item.get("lang")), None) for _, item in good])
        )
        for (_, item), result in zip(good, results, strict=True):
            result.pop("translation_error")
            print(json.dumps({"id": item.get("id"), **result}, ensure_ascii=False), flush=True)
        return 1 if len(good) < len(rows) else 0
    finally:
        analyser.close()


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
            with path.open(encoding="utf-8") as stream:
                for number, item, error in _read_jsonl(stream, ["id", "text", "lang"]):
                    if item is None or not isinstance(item.get("quad"), int):
                        problem = error or 'missing integer "quad"'
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
        with _open_input(name) as stream:
            for number, item, error in _read_jsonl(stream, ["text", "label"]):
                if item is None:
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


# --- pipeline commands ---------------------------------------------------------------


def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    from bot.poll_cli import cmd_poll as poll

    return poll(args, settings)


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from bot.worker import run_worker

    return run_worker(settings, until_idle=args.until_idle)


def _digest_end(day: str | None, tz: str) -> datetime:
    if day is None:
        return datetime.now(UTC)
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise CommandError(f"--date {day!r} must be YYYY-MM-DD") from None
    return datetime.combine(parsed + timedelta(days=1), time(0), ZoneInfo(tz)).astimezone(UTC)


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.digest import build_digest, translate_quotes
    from bot.reader.parser import html_to_text
    from bot.render.chart import render_chart
    from bot.render.digest import format_digest
    from bot.storage.db import open_database
    from bot.translate import TranslationService

    db = open_database(settings.database_url)
    try:
        account_ids, tz, lang = None, "UTC", "en"
        if args.chat is not None:
            from bot.storage.chats import chat_account_ids, get_chat

            chat = get_chat(db, args.chat)
            if chat is None:
                raise CommandError(f"chat {args.chat} is unknown: it must have sent /start to the bot")
            account_ids, tz, lang = chat_account_ids(db, args.chat), chat.timezone, chat.language
        digest = build_digest(db, account_ids, _digest_end(args.date, tz), tz, settings.x_bridge)
        digest = asyncio.run(translate_quotes(digest, lang, TranslationService(settings, db)))
        print(html_to_text(format_digest(digest, lang)))
        chart = render_chart(digest, lang) if args.chart else None
        if chart is not None:
            Path(args.chart).write_bytes(chart)
            print(f"chart written to {args.chart}")
        return 0
    finally:
        db.close()


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.demo import run_demo

    logging.getLogger().setLevel(logging.WARNING)  # the demo's own output tells the story
    return asyncio.run(run_demo(Path(args.chart)))


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.tg.app import run_bot

    settings.require_token()
    return run_bot(settings, args.webhook)


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.check import run_checks

    return run_checks(settings, offline=args.offline)


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.db import open_database

    open_database(settings.database_url, upgrade=True).close()
    print(f"database at {settings.database_url.split('@')[-1]} is on the latest schema")
    return 0


def cmd_export_state(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.db import open_database
    from bot.storage.state import export_state

    db = open_database(settings.database_url)
    try:
        counts = export_state(db, Path(args.file))
    finally:
        db.close()
    print(f"exported {sum(counts.values())} rows to {args.file}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def cmd_import_state(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.db import open_database
    from bot.storage.state import import_state

    if not Path(args.file).is_file():
        raise CommandError(f"{args.file}: no such file")
    db = open_database(settings.database_url)
    try:
        counts = import_state(db, Path(args.file))
    except (ValueError, KeyError) as error:
        raise CommandError(str(error)) from None
    finally:
        db.close()
    print(f"imported {sum(counts.values())} rows: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


# --- wiring --------------------------------------------------------------------------


def _version() -> str:
    try:
        return metadata.version("ladderwatch")
    except metadata.PackageNotFoundError:
        return "(not installed: run `pip install .` to give it a version)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ladderwatch",
        description="Watch official statements, classify escalation / de-escalation, alert Telegram chats.",
        epilog="Start with `ladderwatch demo` (offline), then `ladderwatch check`; settings: config/.env.example.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="offline end-to-end run on sample feeds shipped in the package")
    demo.add_argument("--chart", default="ladderwatch-demo-digest.png", help="where to write the digest chart PNG")
    demo.set_defaults(handler=cmd_demo)

    run = commands.add_parser("run", help="run the Telegram bot (polling; --webhook URL for webhook mode)")
    run.add_argument("--webhook", metavar="URL", help="public HTTPS URL Telegram should post updates to")
    run.set_defaults(handler=cmd_run)

    poll = commands.add_parser("poll", help="fetch and process the watched sources (without Telegram)")
    poll.add_argument("--once", action="store_true", help="fetch every source once, print new statements, exit")
    poll.set_defaults(handler=cmd_poll)
    worker = commands.add_parser(
        "worker", help="ingest only, no Telegram: lease due sources from the database (run several beside one bot)"
    )
    worker.add_argument("--until-idle", action="store_true", help="exit once no source is due (batch runs, tests)")
    worker.set_defaults(handler=cmd_worker)

    classify = commands.add_parser("classify", help="classify a text, or JSONL lines with --jsonl")
    classify.add_argument("text", nargs="*", help="the statement to classify")
    classify.add_argument("--jsonl", metavar="FILE", help='JSONL input ({"id":…, "text":…, "lang":…}); - for stdin')
    classify.add_argument("--lang", help="language hint for the text (ISO 639-1)")
    classify.add_argument("--no-translate", action="store_true", help="classify the original text only")
    classify.set_defaults(handler=cmd_classify)

    evaluation = commands.add_parser("eval", help="accuracy, per-class P/R/F1, macro-F1, confusion matrix")
    evaluation.add_argument(
        "files", nargs="+", metavar="FILE", help='JSONL with "text" and gold "label" (optional "also")'
    )
    evaluation.add_argument(
        "--un-quad",
        action="store_true",
        help="FILEs (or folders) are the UN quad corpus: per file engine vs keyword baseline, cross-language agreement",
    )
    evaluation.add_argument(
        "--mapping", choices=("strict", "broad"), default="strict", help="quad code → label mapping (--un-quad)"
    )
    evaluation.add_argument("--no-translate", action="store_true", help="classify the original text only")
    evaluation.add_argument(
        "--reference-translation",
        action="store_true",
        help='use each line\'s "en" field as the translation: offline, reproducible',
    )
    evaluation.add_argument("--lang-hints", action="store_true", help='pass each line\'s "lang" as a hint')
    evaluation.add_argument(
        "--rules-only", action="store_true", help="the lexicons alone, without the learned reading (to compare)"
    )
    evaluation.set_defaults(handler=cmd_eval)

    digest = commands.add_parser("digest", help="print a digest (last 24 h, or the day given)")
    digest.add_argument("--date", help="YYYY-MM-DD: the digest of that whole day")
    digest.add_argument("--chat", type=int, help="a chat id: its accounts, time zone and language")
    digest.add_argument("--chart", metavar="PNG", help="also write the 7-day chart to this file")
    digest.set_defaults(handler=cmd_digest)

    check = commands.add_parser("check", help="check settings, watchlist, database, token, translator")
    check.add_argument("--offline", action="store_true", help="skip the checks that need the network")
    check.set_defaults(handler=cmd_check)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply migrations up to the latest schema").set_defaults(handler=cmd_db)

    export_state = commands.add_parser("export-state", help="write the whole database state to a JSON file")
    export_state.add_argument("file")
    export_state.set_defaults(handler=cmd_export_state)
    import_state = commands.add_parser("import-state", help="load a state export into an empty database")
    import_state.add_argument("file")
    import_state.set_defaults(handler=cmd_import_state)

    from bot.watchlist_cli import add_watchlist_commands

    add_watchlist_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot.logs import configure_logging

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare `ladderwatch`: help, not an error
        parser.print_help()
        return 0
    try:
        settings = load_settings()
        configure_logging(settings.log_format, [settings.telegram_bot_token or ""], settings.log_level)
        return int(args.handler(args, settings))
    except (SettingsError, CommandError, DatabaseUnavailable) as error:
        print(f"ladderwatch: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (SchemaOutOfDate, BotLockTaken) as error:
        print(f"ladderwatch: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
