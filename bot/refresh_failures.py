"""What a failed refresh writes to its source's row: a kind and one line saying what to do.

Expected errors (fetch, resolution, parse) carry their own advice; anything else is a
bug, named with the stage it happened in so the report says where to look.
"""

from __future__ import annotations

from bot.reader.fetch_errors import FetchError
from bot.reader.parser import ParseError
from bot.reader.sources import SourceResolutionError

STAGE_VERBS = {
    "resolve": "resolving the source",
    "fetch": "fetching",
    "parse": "parsing",
    "dedupe": "deduplicating",
    "analyse": "detecting the language, translating or classifying",
    "store": "storing or queuing alerts",
}


def failure_kind(error: Exception, stage: str) -> tuple[str, str]:
    """(kind, one line) for the source's row: expected errors say what to do, others are bugs."""
    if isinstance(error, FetchError):
        return error.kind, str(error)
    if isinstance(error, (SourceResolutionError, ParseError)):
        return stage, str(error)
    detail = " ".join(str(error).split())[:300] or "no detail"
    return stage, (
        f"unexpected {type(error).__name__} while {STAGE_VERBS.get(stage, stage)}: {detail}; "
        "this is a bug in Ladderwatch (please report it with the log); the source is retried with back-off"
    )
