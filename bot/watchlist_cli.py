"""`ladderwatch sources` and `ladderwatch watchlist export|import`.

Both read the watchlist as the bot sees it: the database, after seeding it from
watchlist.yaml (accounts added in chat included). An import acts like an admin adding
accounts in chat (origin `chat`), so a later change to watchlist.yaml does not undo it.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli_errors import CommandError, write_output
from bot.model import Account
from bot.opml import export_opml, read_account_document
from bot.reader.urls import redact_url
from bot.settings import Settings, read_utf8
from bot.watchlist import WatchlistError, dump_watchlist

if TYPE_CHECKING:  # storage (SQLAlchemy) loads only for the commands that use it
    from bot.storage.db import Database


def _open_synced(settings: Settings) -> tuple[Database, str | None]:
    """The database with watchlist.yaml applied, and why the file was rejected (or None): a
    broken file is reported, not fatal; the last good watchlist stays in the database."""
    from bot.pipeline import load_configured_watchlist
    from bot.storage.accounts import list_accounts
    from bot.storage.db import open_database

    db = open_database(settings.database_url)
    problem = load_configured_watchlist(settings, db)
    if problem:
        kept = "using the last good watchlist" if list_accounts(db) else "nothing is watched until it is fixed"
        print(redact_url(f"warning: {problem}; {kept}"), file=sys.stderr)
    return db, problem


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    """Exit status 1 when watchlist.yaml was rejected (as `poll --once`): what is listed is
    then the last good watchlist, not the file."""
    from bot.reader.health import describe_sources
    from bot.storage.accounts import list_accounts, list_source_rows

    db, problem = _open_synced(settings)
    try:
        rows, accounts = list_source_rows(db), list_accounts(db)
    finally:
        db.close()
    now = datetime.now(UTC)
    print(describe_sources(rows, accounts, now, settings.poll_seconds, settings=settings))
    return 1 if problem else 0


def cmd_watchlist_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.accounts import list_accounts

    db, _ = _open_synced(settings)
    try:
        accounts = list_accounts(db)
    finally:
        db.close()
    exported = export_opml(accounts, settings) if args.format == "opml" else dump_watchlist(accounts)
    text = redact_url(exported)
    if text != exported:
        print(
            "note: credentials in feed URLs are written as *** (user:***@, token=***): put the real ones back "
            "before importing this file elsewhere",
            file=sys.stderr,
        )
    if args.output:
        write_output(Path(args.output), text, "the watchlist")
        print(f"{len(accounts)} accounts written to {args.output} ({args.format})")
    else:
        sys.stdout.write(text)
    return 0


def _describe(account: Account) -> str:
    sources = ", ".join(f"{s.kind.value} {s.handle}" for s in account.sources)
    return redact_url(f"{account.id}: {account.name} ({sources})")


def cmd_watchlist_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.accounts import SKIPPED, UNCHANGED, import_accounts, list_accounts

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{args.file}: no such file")
    db, _ = _open_synced(settings)
    try:
        current = {a.id for a in list_accounts(db)}
        try:
            accounts = read_account_document(read_utf8(path), str(path), current)
        except (WatchlistError, ValueError) as error:
            raise CommandError(f"nothing imported: {error}") from None
        if not accounts:
            raise CommandError(f"nothing imported: {args.file} has no accounts")
        for result in import_accounts(db, accounts):
            detail = f": already watched as {result.detail}" if result.outcome == SKIPPED else ""
            shown = result.account.id if result.outcome in (UNCHANGED, SKIPPED) else _describe(result.account)
            print(f"{result.outcome} {shown}{detail}")
    finally:
        db.close()
    return 0


def add_watchlist_commands(commands: Any) -> None:
    """Register `sources` and `watchlist export|import` on the CLI's subparsers."""
    sources = commands.add_parser("sources", help="each account's sources, URLs and health")
    sources.set_defaults(handler=cmd_sources)

    watchlist = commands.add_parser("watchlist", help="export or import the watchlist (OPML, YAML)")
    actions = watchlist.add_subparsers(dest="watchlist_command", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="print the watched accounts as OPML or YAML")
    export.add_argument("--format", choices=("opml", "yaml"), default="opml")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    export.set_defaults(handler=cmd_watchlist_export)
    imported = actions.add_parser(
        "import", help="add the accounts of an OPML or watchlist YAML file, as if added in chat"
    )
    imported.add_argument("file", metavar="FILE")
    imported.set_defaults(handler=cmd_watchlist_import)
