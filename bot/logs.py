"""Logging set-up: text or JSON lines, one vocabulary of fields, never the bot token.

Times are UTC with milliseconds in both formats (`2026-12-06T02:33:02.123Z`), so lines
from several hosts and containers sort and join without guessing their zone.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from bot.reader.urls import redact_url

CONTEXT_FIELDS = ("source_id", "statement_id", "chat_id", "lang", "label", "errors")


class RedactSecrets(logging.Filter):
    """Replace secrets (the bot token) wherever they appear in a record's final message, and
    show the credentials of feed URLs as *** (`bot.reader.urls.redact_url`)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return redact_url(text)


def utc_timestamp(record: logging.LogRecord) -> str:
    """ISO 8601 in UTC with milliseconds and a `Z`."""
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": utc_timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({f: getattr(record, f) for f in CONTEXT_FIELDS if hasattr(record, f)})
        if record.exc_text or record.exc_info:
            payload["traceback"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(payload, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return utc_timestamp(record)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(f"{f}={getattr(record, f)}" for f in CONTEXT_FIELDS if hasattr(record, f))
        return f"{line} [{context}]" if context else line


QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "alembic", "telegram.ext.Application", "tornado.access")


def configure_logging(log_format: str, secrets: Iterable[str] = (), level: int | str = logging.INFO) -> None:
    """Root handler on stderr at `level` (LADDERWATCH_LOG_LEVEL); chatty libraries stay at
    WARNING even under DEBUG (httpx request lines carry the token in the URL)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet = max(logging.WARNING, root.level)
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(quiet)


@contextmanager
def logging_configured(log_format: str, secrets: Iterable[str] = (), level: int | str = logging.INFO) -> Iterator[None]:
    """`configure_logging` for the length of a command; then the root logger's handlers and
    level, and the quiet libraries' levels, are put back as they were (a command run in-process,
    as the tests do, leaves no handler behind)."""
    root = logging.getLogger()
    handlers, root_level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    configure_logging(log_format, secrets, level)
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers
        root.setLevel(root_level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)
