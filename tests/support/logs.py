"""Log records as tests read them."""

from __future__ import annotations

import logging
from collections.abc import Iterable


def with_traceback(records: Iterable[logging.LogRecord], logger_prefix: str = "") -> list[logging.LogRecord]:
    """Records that carry a traceback. `bot.logs.RedactSecrets`, once a test in the same
    process has installed it on the root logger, moves a traceback from `exc_info` to
    `exc_text`, so both count."""
    return [r for r in records if (r.exc_info or r.exc_text) and r.name.startswith(logger_prefix)]
