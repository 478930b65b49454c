"""`ladderwatch check`: one line per part of the set-up, each saying what to do when it fails.

`--offline` checks only what needs no network: it never builds a translator or asks Telegram.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from bot.reader.urls import redact_url
from bot.settings import Settings

Check = Callable[[Settings], str]


class CheckFailed(Exception):
    """A check's one-line reason and remedy."""


class CheckWarning(Exception):
    """Works, but not as the operator probably expects; printed as WARN, not a failure."""


def check_watchlist(settings: Settings) -> str:
    from bot.watchlist import WatchlistError, load_watchlist

    try:
        accounts = load_watchlist(settings.watchlist_path)
    except WatchlistError as error:
        raise CheckFailed(f"{error} — fix the file; the bot keeps its last good watchlist meanwhile") from None
    sources = sum(len(a.sources) for a in accounts)
    return f"{settings.watchlist_path}: {len(accounts)} accounts, {sources} sources"


def check_lexicons(settings: Settings) -> str:
    """The cue lexicons a linguist may have edited: polling loads them only when a statement
    first needs them, so a broken one would otherwise show only as failed refreshes."""
    from bot.classify.lexicon import LexiconError, load_package_data

    try:
        _, lexicons = load_package_data()
    except LexiconError as error:
        raise CheckFailed(
            f"{error} — fix that entry; until then every new statement fails to classify "
            "(each such refresh is recorded as failed and retried)"
        ) from None
    entries = sum(len(lexicon.cues) for lexicon in lexicons.values())
    return f"{len(lexicons)} languages, {entries} cue entries"


def check_coverage(settings: Settings) -> str:
    """Warn, once, about the accounts the settings leave unread (X without a bridge)."""
    from bot.reader.health import ADVICE, coverage_warning, unconfigured_reason
    from bot.watchlist import WatchlistError, load_watchlist

    try:
        accounts = load_watchlist(settings.watchlist_path)
    except WatchlistError:
        raise CheckFailed("no valid watchlist to check (see above)") from None
    if not accounts:
        raise CheckWarning(
            f"{settings.watchlist_path} has no accounts: nothing is read unless an admin adds some in chat "
            "(/watch add); add accounts to the file"
        )
    warning = coverage_warning(accounts, settings)
    if warning:
        reasons = {unconfigured_reason(s.kind.value, settings) for a in accounts for s in a.sources} - {None}
        raise CheckWarning(f"{warning}. " + " ".join(ADVICE[r] for r in sorted(r for r in reasons if r)))
    return "every source can be read with these settings"


def check_database(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    from bot.storage.db import DatabaseUnavailable, open_database, write_refused

    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    try:
        db = open_database(settings.database_url)
    except DatabaseUnavailable as error:
        raise CheckFailed(str(error)) from None
    try:
        refused = write_refused(db)
    finally:
        db.close()
    if refused:
        raise CheckFailed(
            f"{shown} opens but refuses writes ({refused}): `run`, `poll` and workers store what they read; "
            "make the database file and its folder writable"
        )
    return f"{shown} opened and writable, schema up to date"


def check_polls(settings: Settings) -> str:
    """What the last polls (of `run` or `poll`, stored in the database) said: sources the
    settings can read but that did not answer. No fetch here, so `--offline` says it too."""
    from bot.reader.health import polling_stalled, stall_note, unconfigured_reason
    from bot.storage.accounts import list_source_rows
    from bot.storage.db import DatabaseUnavailable, open_database

    try:
        db = open_database(settings.database_url)
    except DatabaseUnavailable:
        raise CheckFailed("not checked: the database cannot be opened (see the database line)") from None
    try:
        readable = [r for r in list_source_rows(db) if not unconfigured_reason(r.kind, settings)]
    finally:
        db.close()
    rows = [r for r in readable if not r.disabled]
    off = [r for r in readable if r.disabled]
    switched_off = (
        f"; {len(off)} switched off after failing for days and not polled (e.g. {off[0].account_id} "
        f"{off[0].kind}:{off[0].handle}): an admin brings them back with /watch enable ID"
        if off
        else ""
    )
    polled = [r for r in rows if r.last_fetch_at is not None]
    failing = [r for r in polled if r.consecutive_errors]
    if not polled and not off:
        return "no poll yet: `ladderwatch poll --once` (or `run`) fetches the sources"
    now = datetime.now(UTC)
    stalled = polling_stalled(rows, now, settings.poll_seconds)
    if stalled is not None:
        raise CheckWarning(
            f"{stall_note(stalled, now)}; {len(failing)} of {len(rows)} failed at their last poll{switched_off}"
        )
    if failing:
        example = f"{failing[0].account_id} {failing[0].kind}:{failing[0].handle}: {failing[0].last_error or '?'}"
        raise CheckWarning(
            f"{len(failing)} of {len(rows)} sources failed at their last poll (e.g. {example[:300]}); "
            f"`ladderwatch sources` shows each one's error{switched_off}"
        )
    if off:
        raise CheckWarning(f"{len(polled)} of {len(rows)} polled sources answered at their last poll{switched_off}")
    return f"{len(polled)} of {len(rows)} sources answered at their last poll"


def check_token(settings: Settings) -> str:
    """Offline: the token is there and has a token's shape (only Telegram can say it is valid)."""
    from bot.settings import SettingsError

    if not settings.telegram_bot_token:
        raise CheckFailed("TELEGRAM_BOT_TOKEN is not set: needed by `ladderwatch run` (get one from @BotFather)")
    try:
        settings.require_token()
    except SettingsError as error:
        raise CheckFailed(str(error)) from None
    return "TELEGRAM_BOT_TOKEN is set and well-formed (not sent to Telegram offline)"


def check_token_online(settings: Settings) -> str:
    from telegram import Bot
    from telegram.error import TelegramError

    from bot.tg.app import api_base_url
    from bot.tg.request import BotApiRequest

    check_token(settings)

    async def get_me() -> str:  # the same URL `run` uses: a bare local Bot API server gets `/bot`
        token, base_url = settings.require_token(), api_base_url(settings.telegram_api_base_url)
        async with Bot(token, base_url=base_url, request=BotApiRequest()) as bot:
            return bot.username

    try:
        username = asyncio.run(get_me())
    except TelegramError as error:
        raise CheckFailed(f"Telegram refused the token or is unreachable: {error.message}") from None
    return f"token accepted by Telegram: @{username}"


def check_translator(settings: Settings) -> str:
    from bot.storage.db import open_database
    from bot.translate import TranslationService, failures_not_logged

    if settings.translation_off:  # chosen, not broken: nothing to probe
        raise CheckWarning(
            "translation is off (LADDERWATCH_TRANSLATOR=none): statements are classified in their own language "
            "where a lexicon exists, the others are left unread; set a translator chain to read them"
        )
    async def probe() -> tuple[str | None, str]:
        db = open_database("sqlite://")  # a private cache: a cached answer would prove nothing
        try:
            service = TranslationService(settings, db)
            result = await service.translate("Buongiorno a tutti", "it", "en")
            return result.text, result.error or service.describe()
        finally:
            db.close()

    with failures_not_logged():  # the FAIL line says it once
        translated, detail = asyncio.run(probe())
    if translated is None:
        raise CheckFailed(detail)
    return f"translation works ({translated!r})"


def run_checks(settings: Settings, offline: bool) -> int:
    checks: list[tuple[str, Check]] = [
        ("settings", lambda s: "all settings valid"),
        ("watchlist", check_watchlist),
        ("sources", check_coverage),
        ("lexicons", check_lexicons),
        ("database", check_database),
        ("polls", check_polls),
        ("token", check_token if offline else check_token_online),
    ]
    if not offline:
        checks.append(("translator", check_translator))
    failures = 0
    for name, check in checks:
        try:
            print(redact_url(f"ok    {name:<10} {check(settings)}"))
        except CheckWarning as warning:
            print(redact_url(f"WARN  {name:<10} {warning}"))
        except CheckFailed as failure:
            failures += 1
            print(redact_url(f"FAIL  {name:<10} {failure}"))
    return 1 if failures else 0
