"""The `ladderwatch` command line (DESIGN.md "Command line"): one function per command.

Commands with more code than a call live in their own modules (`classify_cli` for
classify and eval, `poll_cli`, `watchlist_cli`); this one parses and wires them.

User mistakes (bad settings, files, input lines) end with one clear line on stderr and a
non-zero status, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.classify_cli import cmd_classify, cmd_eval, language_argument
from bot.cli_errors import CommandError, unwritable, write_output
from bot.reader.urls import redact_url
from bot.settings import Settings, SettingsError, load_settings
from bot.storage.errors import BotLockTaken, DatabaseUnavailable, SchemaOutOfDate

EXIT_USAGE = 2


# --- pipeline commands ---------------------------------------------------------------


def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    from bot.poll_cli import cmd_poll as poll

    return poll(args, settings)


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from bot.worker import run_worker

    return run_worker(settings, until_idle=args.until_idle)


FIRST_DIGEST_DAY = date(1970, 1, 8)  # with the chart's 7 days before it, nothing earlier than 1970
TELEGRAM_ID_LIMIT = 2**63  # chat ids are signed 64-bit integers
CHART_NEEDS = "the chart needs matplotlib: pip install 'ladderwatch[chart]'"


def _digest_end(day: str | None, tz: str) -> datetime:
    if day is None:
        return datetime.now(UTC)
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise CommandError(f"--date {day!r} must be YYYY-MM-DD") from None
    today = datetime.now(ZoneInfo(tz)).date()
    if parsed > today:
        raise CommandError(
            f"--date {day}: that day has not begun yet (today is {today} in {tz}); give today or an earlier day"
        )
    if parsed < FIRST_DIGEST_DAY:
        raise CommandError(f"--date {day}: give a day from {FIRST_DIGEST_DAY} to {today}")
    return datetime.combine(parsed + timedelta(days=1), time(0), ZoneInfo(tz)).astimezone(UTC)


def _chat_id(raw: str) -> int:
    """A Telegram chat id (argparse type): an integer that fits in 64 bits."""
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a chat id (a whole number, e.g. -1001234567890)") from None
    if not -TELEGRAM_ID_LIMIT <= value < TELEGRAM_ID_LIMIT:
        raise argparse.ArgumentTypeError(f"{raw[:40]!r} is not a chat id: Telegram's ids fit in 64 bits")
    return value


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
        digest = build_digest(db, account_ids, _digest_end(args.date, tz), tz, settings)
        digest = asyncio.run(translate_quotes(digest, lang, TranslationService(settings, db)))
        print(html_to_text(format_digest(digest, lang)))
        if not args.chart:
            return 0
        chart = render_chart(digest, lang)
        if chart is None:  # the digest above carries the text sparkline instead
            print(f"ladderwatch: no chart written to {args.chart}: {CHART_NEEDS}", file=sys.stderr)
            return 1
        write_output(Path(args.chart), chart, "the chart")
        print(f"chart written to {args.chart}")
        return 0
    finally:
        db.close()


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.demo import run_demo

    chart = Path(args.chart)
    if chart.is_dir() or not chart.parent.is_dir():  # said before the demo runs, not after
        raise CommandError(f"--chart {args.chart}: give a file path in an existing folder for the digest chart")
    logging.getLogger().setLevel(logging.WARNING)  # the demo's own output tells the story
    return asyncio.run(run_demo(chart))


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
    except OSError as error:
        raise unwritable(args.file, "the state export", error) from None
    finally:
        db.close()
    print(f"exported {sum(counts.values())} rows to {args.file}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def cmd_import_state(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.db import open_database
    from bot.storage.state import StateFileError, import_state

    if not Path(args.file).is_file():
        raise CommandError(f"{args.file}: no such file" + (" (it is a folder)" if Path(args.file).is_dir() else ""))
    db = open_database(settings.database_url)
    try:
        counts = import_state(db, Path(args.file))
    except StateFileError as error:
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
    classify.add_argument("--lang", type=language_argument, help="language hint for the text (ISO 639-1, e.g. it)")
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
    digest.add_argument("--chat", type=_chat_id, help="a chat id: its accounts, time zone and language")
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


def _database_refusal(error: Exception) -> str | None:
    """One line for a database that fails mid-command (read-only, disk full, locked, gone),
    or None for any other error. SQLAlchemy is looked up, not imported: most commands never
    load it, and then no error can be one of its own."""
    errors = sys.modules.get("sqlalchemy.exc")
    if errors is None or not isinstance(error, errors.OperationalError):
        return None
    reason = (str(getattr(error, "orig", None) or error).strip().splitlines() or ["?"])[0][:200]
    return (
        f"the database failed during the command ({reason}); check that DATABASE_URL's file and its folder "
        "are writable and the disk is not full (`ladderwatch check` tests it), then run the command again"
    )


def main(argv: Sequence[str] | None = None) -> int:
    from bot.logs import logging_configured

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare `ladderwatch`: help, not an error
        parser.print_help()
        return 0
    try:
        settings = load_settings()
        with logging_configured(settings.log_format, [settings.telegram_bot_token or ""], settings.log_level):
            return int(args.handler(args, settings))
    except (SettingsError, CommandError, DatabaseUnavailable) as error:
        print(f"ladderwatch: {redact_url(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except (SchemaOutOfDate, BotLockTaken) as error:
        print(f"ladderwatch: {redact_url(str(error))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `ladderwatch classify … | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 141
    except Exception as error:
        refusal = _database_refusal(error)
        if refusal is None:
            raise
        print(f"ladderwatch: {refusal}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
