"""When a source is polled next: its interval after a success, exponential back-off after failures.

Every interval is clamped to [1 s, 1 day] whatever a setting or a server says, and polls
are spread by a little jitter so sources sharing a host do not fire together.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

MAX_BACKOFF = timedelta(hours=6)
MIN_INTERVAL, MAX_INTERVAL = 1.0, 86_400.0  # seconds; whatever a setting or server says
# A source failing this long is switched off (the caller tells the administrators).
DISABLE_AFTER = timedelta(hours=48)


def clamp_seconds(seconds: float) -> float:
    """An interval in [1 s, 1 day]: no setting or header can make a poll spin or overflow."""
    return min(max(float(seconds), MIN_INTERVAL), MAX_INTERVAL)


def next_poll_after_success(now: datetime, poll_seconds: float) -> datetime:
    """The configured interval, not the server's cache hints: subscribers were promised it."""
    return now + timedelta(seconds=clamp_seconds(poll_seconds))


def next_poll_after_failure(now: datetime, poll_seconds: float, errors: int, retry_after: float | None) -> datetime:
    """Exponential back-off per consecutive error, at least what Retry-After asked, at most 6 h."""
    limit = MAX_BACKOFF.total_seconds()
    backoff = min(clamp_seconds(poll_seconds) * 2 ** min(max(errors - 1, 0), 32), limit)
    if retry_after is not None:
        backoff = max(backoff, min(clamp_seconds(retry_after), limit))
    return now + timedelta(seconds=backoff)


def with_jitter(when: datetime, poll_seconds: float) -> datetime:
    """Spread polls so sources sharing a host do not all fire in the same second (≤ 5 s)."""
    return when + timedelta(seconds=random.uniform(0, min(5.0, clamp_seconds(poll_seconds) * 0.05)))
