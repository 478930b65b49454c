"""Dates from feeds, which may be in any language, any zone, or any year a typo gives.

Only moments between 1970 and 2100 are taken as the item's date; anything else (year 9999,
year 10000 after a zone shift, a date Python cannot even build) is treated as no date, and
the statement gets its fetch time, flagged as estimated.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

# Month names feedparser does not know (it reads English RFC 822 dates only).
_MONTHS = {
    "gen": "Jan",
    "feb": "Feb",
    "mar": "Mar",
    "apr": "Apr",
    "mag": "May",
    "giu": "Jun",
    "lug": "Jul",
    "ago": "Aug",
    "set": "Sep",
    "ott": "Oct",
    "nov": "Nov",
    "dic": "Dec",
    "janv": "Jan",
    "févr": "Feb",
    "mars": "Mar",
    "avr": "Apr",
    "mai": "May",
    "juin": "Jun",
    "juil": "Jul",
    "août": "Aug",
    "sept": "Sep",
    "oct": "Oct",
    "déc": "Dec",
    "ene": "Jan",
    "abr": "Apr",
    "dez": "Dec",
    "okt": "Oct",
    "mär": "Mar",
    "jan": "Jan",
}


def plausible(moment: datetime | None) -> datetime | None:
    """`moment` in UTC when it lies in 1970–2100; None for anything else."""
    if moment is None:
        return None
    try:
        aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return aware if EARLIEST <= aware < LATEST else None


def from_struct(value: object) -> datetime | None:
    """feedparser's UTC `struct_time` as a datetime; None when absent or out of range."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return plausible(datetime(*value[:6], tzinfo=UTC))
    except (OverflowError, ValueError):
        return None


def from_iso(value: str) -> datetime | None:
    """An ISO 8601 stamp (t.me pages); None when unreadable or out of range."""
    try:
        return plausible(datetime.fromisoformat(value))
    except (OverflowError, ValueError):
        return None


def parse_loose_date(value: str) -> datetime | None:
    """Dates feedparser gives up on, e.g. Italian `mer, 16 nov 2022 00:38:15 +0100`."""
    cleaned = re.sub(r"^\s*[^\d\s,]+\.?,\s*", "", value.strip())

    def english_month(match: re.Match[str]) -> str:
        return _MONTHS.get(match.group(0).lower().rstrip("."), match.group(0))

    cleaned = re.sub(r"[^\W\d_]+\.?", english_month, cleaned)
    try:
        return plausible(parsedate_to_datetime(cleaned))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None

