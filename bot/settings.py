"""Settings from environment variables (and a `.env` file), declared once.

Every setting is a row of `SETTINGS`: name, default, help. A bad value stops start-up
with one line naming the setting, so an operator never has to read a traceback.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values
from dotenv.parser import parse_stream

TRANSLATOR_NAMES = ("google", "libre", "mymemory", "deepl", "none")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
MAX_POLL_SECONDS = 86400  # one day: a longer interval is a typo, and timers overflow far beyond it
DATABASE_BACKENDS = ("sqlite", "postgresql")
DATABASE_EXAMPLES = "sqlite:///data/ladderwatch.sqlite3 or postgresql+psycopg://user:password@host/dbname"
_TOKEN_SHAPE = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{1,200}")  # what @BotFather hands out
_ASCII_NUMBER = re.compile(r"^[0-9]{1,18}$")  # str.isdigit() also accepts "¹" and "١", which int() refuses


@dataclass(frozen=True)
class SettingSpec:
    name: str
    default: str | None
    help: str


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("TELEGRAM_BOT_TOKEN", None, "Bot token from @BotFather; required by `ladderwatch run` only"),
    SettingSpec(
        "TELEGRAM_API_BASE_URL",
        "https://api.telegram.org/bot",
        "Bot API base URL (a local Bot API server or a test double)",
    ),
    SettingSpec(
        "DATABASE_URL",
        "sqlite:///data/ladderwatch.sqlite3",
        "SQLAlchemy URL; postgresql+psycopg://… selects PostgreSQL",
    ),
    SettingSpec("LADDERWATCH_CONFIG", "config", "folder holding watchlist.yaml"),
    SettingSpec("LADDERWATCH_ADMINS", "", "comma-separated Telegram user ids allowed to change the watchlist"),
    SettingSpec("LADDERWATCH_TRANSLATOR", "google", "comma-separated chain of google, libre, mymemory, deepl, none"),
    SettingSpec("LIBRETRANSLATE_URL", None, "base URL of a LibreTranslate server (needed when the chain has libre)"),
    SettingSpec("LIBRETRANSLATE_API_KEY", None, "LibreTranslate API key (any string for a self-hosted server)"),
    SettingSpec("DEEPL_API_KEY", None, "DeepL API key (needed when the chain has deepl)"),
    SettingSpec(
        "LADDERWATCH_POLL_SECONDS",
        "300",
        "default poll interval per source, in seconds (1 to 86400; 300 is kind to servers)",
    ),
    SettingSpec(
        "LADDERWATCH_ALLOW_PRIVATE_URLS", "0", "1 lets feeds point at loopback/private addresses (tests, intranets)"
    ),
    SettingSpec("LADDERWATCH_X_BRIDGE", None, "URL template with {handle} of an RSS bridge for X accounts"),
    SettingSpec(
        "LADDERWATCH_TELEGRAM_BRIDGE",
        "https://t.me/s/{channel}",
        "where public Telegram channels are read; template with {channel}",
    ),
    SettingSpec(
        "LADDERWATCH_HTTP_PORT",
        None,
        "port serving /healthz and /metrics (and the webhook in webhook mode); off when unset",
    ),
    SettingSpec(
        "LADDERWATCH_HTTP_HOST",
        "127.0.0.1",
        "address the HTTP server binds; 0.0.0.0 to be reachable from other hosts (the Docker image sets it)",
    ),
    SettingSpec("LADDERWATCH_LOG_FORMAT", "text", "text or json"),
    SettingSpec("LADDERWATCH_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR"),
)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line naming it."""


@dataclass(frozen=True)
class Settings:
    telegram_bot_token: str | None
    telegram_api_base_url: str
    database_url: str
    config_dir: Path
    admins: frozenset[int]
    translators: tuple[str, ...]
    libretranslate_url: str | None
    libretranslate_api_key: str | None
    deepl_api_key: str | None
    poll_seconds: int
    allow_private_urls: bool
    x_bridge: str | None
    telegram_bridge: str
    http_port: int | None
    log_format: str
    http_host: str = "127.0.0.1"
    log_level: str = "INFO"

    @property
    def watchlist_path(self) -> Path:
        return self.config_dir / "watchlist.yaml"

    @property
    def translation_off(self) -> bool:
        """LADDERWATCH_TRANSLATOR names no translator (`none`); a chain like `google,none` translates."""
        return all(name == "none" for name in self.translators)

    def require_token(self) -> str:
        if not self.telegram_bot_token:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and export it (or put it in .env)"
            )
        if not _TOKEN_SHAPE.fullmatch(self.telegram_bot_token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is malformed: a bot token is the bot's number, a colon, then letters, digits, "
                "- and _ (like 123456:ABC-def_1); copy it again from @BotFather"
            )
        return self.telegram_bot_token


class NotUtf8Error(SettingsError):
    """A configuration file that is not UTF-8; `reason` names the byte and its offset."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path, self.line, self.reason = path, line, reason


def read_utf8(path: Path) -> str:
    """A configuration file's text (a UTF-8 BOM is allowed); other encodings → NotUtf8Error."""
    return decode_utf8(path.read_bytes(), path)


def decode_utf8(data: bytes, path: Path, first_line: int = 1, first_offset: int = 0) -> str:
    """`read_utf8` for bytes already read (standard input: `path` is then `-`); `data` may be a
    part of the file that starts at line `first_line`, byte `first_offset` (for the message)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + first_line
        offset = error.start + first_offset
        raise NotUtf8Error(
            path,
            line,
            f"not UTF-8 (byte 0x{data[error.start]:02x} at byte offset {offset}); save the file as UTF-8",
        ) from None


def _check_env_lines(text: str, env_file: Path) -> None:
    """A `.env` line python-dotenv cannot read would be skipped with a warning naming no file,
    and a setting's name without `=` silently ignored: both stop start-up naming the line."""
    known = {spec.name for spec in SETTINGS}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise SettingsError(
                f"{env_file}:{binding.original.line}: not a NAME=value line (a missing = or an unclosed quote?); "
                "fix or remove it"
            )
        if binding.key in known and binding.value is None:
            line = binding.original.line
            raise SettingsError(f"{env_file}:{line}: {binding.key} has no value; write {binding.key}=…")


def _merged_environment(environ: Mapping[str, str], env_file: Path | None) -> dict[str, str]:
    """The process environment wins over `.env`, as with most twelve-factor tools."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        text = read_utf8(env_file)
        _check_env_lines(text, env_file)
        parsed = dotenv_values(stream=io.StringIO(text))
        values.update({k: v for k, v in parsed.items() if v is not None})
    values.update(environ)
    return values


def _get(values: Mapping[str, str], name: str) -> str | None:
    spec = next(s for s in SETTINGS if s.name == name)
    raw = values.get(name)
    if raw is None or raw.strip() == "":
        return spec.default
    return raw.strip()


def _flag(values: Mapping[str, str], name: str) -> bool:
    raw = (_get(values, name) or "0").lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}={raw!r} is not a flag: use 1 or 0")


def _optional_port(values: Mapping[str, str], name: str) -> int | None:
    raw = _get(values, name)
    if raw is None or raw.lower() in {"off", "0"}:
        return None
    if not _ASCII_NUMBER.match(raw) or not 0 < int(raw) < 65536:
        raise SettingsError(f"{name}={raw!r} is not a TCP port: use a number from 1 to 65535 or leave it unset")
    return int(raw)


def _url(values: Mapping[str, str], name: str) -> str | None:
    raw = _get(values, name)
    if raw is None:
        return None
    try:
        return check_url(raw)
    except ValueError as error:
        raise SettingsError(f"{name}: {error}") from None


def _template(values: Mapping[str, str], name: str, placeholder: str) -> str | None:
    raw = _get(values, name)
    if raw is None:
        return None
    if placeholder not in raw or not re.match(r"^https?://", raw):
        raise SettingsError(f"{name}={raw!r} must be an http(s) URL containing {placeholder}")
    try:
        example = raw.format(**{placeholder.strip("{}"): "name"})
        check_url(example)
    except (KeyError, IndexError, ValueError) as error:
        reason = f"unknown placeholder {error}" if isinstance(error, KeyError) else str(error)
        raise SettingsError(f"{name}={raw!r}: {reason}; the only placeholder is {placeholder}") from None
    return raw


def check_url(url: str) -> str:
    """An http(s) URL with a host and a valid port, or ValueError saying what is wrong with it."""
    if not re.match(r"^https?://\S+$", url):
        raise ValueError(f"{url[:200]!r} must be an http(s) URL without spaces")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:  # "Port out of range 0-65535", "Invalid IPv6 URL", …
        raise ValueError(f"{url[:200]!r} is not a valid URL: {error}") from None
    if not parts.hostname:
        raise ValueError(f"{url[:200]!r} has no host name")
    if port == 0:
        raise ValueError(f"{url[:200]!r}: port 0 cannot be connected to; use 1-65535")
    return url


def _database_url(raw: str) -> str:
    """A URL of a supported backend whose driver is installed (no connection is tried here)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        url = make_url(raw)
        shown = url.render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        raise SettingsError(f"DATABASE_URL is not an SQLAlchemy URL: use {DATABASE_EXAMPLES}") from None
    if url.get_backend_name() not in DATABASE_BACKENDS:
        raise SettingsError(
            f"DATABASE_URL={shown!r}: {url.get_backend_name()!r} is not supported; use {DATABASE_EXAMPLES}"
        )
    try:
        dialect = url.get_dialect()
        dialect.import_dbapi()
    except (NoSuchModuleError, ImportError):
        raise SettingsError(
            f"DATABASE_URL={shown!r}: the driver {url.get_driver_name()!r} is not installed or unknown; "
            "use postgresql+psycopg://… with `pip install 'ladderwatch[postgres]'`, or sqlite:///…"
        ) from None
    if getattr(dialect, "is_async", False):
        raise SettingsError(
            f"DATABASE_URL={shown!r}: {url.get_driver_name()!r} is an asyncio driver; use postgresql+psycopg://…"
        )
    return raw


def _host(values: Mapping[str, str], name: str) -> str:
    raw = _get(values, name) or ""
    if not re.fullmatch(r"[A-Za-z0-9.:\-\[\]]+", raw):
        raise SettingsError(f"{name}={raw!r} must be an IP address or host name, e.g. 127.0.0.1 or 0.0.0.0")
    return raw.strip("[]")


def _log_level(values: Mapping[str, str], name: str) -> str:
    raw = (_get(values, name) or "").upper()
    if raw not in LOG_LEVELS:
        raise SettingsError(f"{name}={raw!r} must be one of {', '.join(LOG_LEVELS)}")
    return raw


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Read every setting, failing on the first bad one with a one-line message."""
    values = _merged_environment(os.environ if environ is None else environ, env_file)

    translators = tuple(
        t.strip().lower() for t in (_get(values, "LADDERWATCH_TRANSLATOR") or "").split(",") if t.strip()
    )
    unknown = [t for t in translators if t not in TRANSLATOR_NAMES]
    if not translators or unknown:
        raise SettingsError(
            f"LADDERWATCH_TRANSLATOR={values.get('LADDERWATCH_TRANSLATOR')!r}: "
            f"use a comma-separated chain of {', '.join(TRANSLATOR_NAMES)}"
        )
    if "libre" in translators and not _get(values, "LIBRETRANSLATE_URL"):
        raise SettingsError("LIBRETRANSLATE_URL is required when LADDERWATCH_TRANSLATOR contains libre")
    if "deepl" in translators and not _get(values, "DEEPL_API_KEY"):
        raise SettingsError("DEEPL_API_KEY is required when LADDERWATCH_TRANSLATOR contains deepl")

    admins_raw = _get(values, "LADDERWATCH_ADMINS") or ""
    try:
        admins = frozenset(int(a) for a in admins_raw.split(",") if a.strip())
    except ValueError:
        raise SettingsError(
            f"LADDERWATCH_ADMINS={admins_raw!r} must be comma-separated numeric Telegram user ids"
        ) from None

    poll_raw = _get(values, "LADDERWATCH_POLL_SECONDS") or ""
    if not _ASCII_NUMBER.match(poll_raw) or not 1 <= int(poll_raw) <= MAX_POLL_SECONDS:
        raise SettingsError(
            f"LADDERWATCH_POLL_SECONDS={poll_raw[:40]!r} must be a whole number of seconds from 1 to "
            f"{MAX_POLL_SECONDS} (one day), written with the digits 0-9; 300 is a good default"
        )

    log_format = (_get(values, "LADDERWATCH_LOG_FORMAT") or "text").lower()
    if log_format not in {"text", "json"}:
        raise SettingsError(f"LADDERWATCH_LOG_FORMAT={log_format!r} must be text or json")

    base_url = _url(values, "TELEGRAM_API_BASE_URL") or ""

    database_url = _database_url(_get(values, "DATABASE_URL") or "")

    libre_url = _url(values, "LIBRETRANSLATE_URL")

    return Settings(
        telegram_bot_token=_get(values, "TELEGRAM_BOT_TOKEN"),
        telegram_api_base_url=base_url,
        database_url=database_url,
        config_dir=Path(_get(values, "LADDERWATCH_CONFIG") or "config"),
        admins=admins,
        translators=translators,
        libretranslate_url=libre_url,
        libretranslate_api_key=_get(values, "LIBRETRANSLATE_API_KEY"),
        deepl_api_key=_get(values, "DEEPL_API_KEY"),
        poll_seconds=int(poll_raw),
        allow_private_urls=_flag(values, "LADDERWATCH_ALLOW_PRIVATE_URLS"),
        x_bridge=_template(values, "LADDERWATCH_X_BRIDGE", "{handle}"),
        telegram_bridge=_template(values, "LADDERWATCH_TELEGRAM_BRIDGE", "{channel}") or "",
        http_port=_optional_port(values, "LADDERWATCH_HTTP_PORT"),
        log_format=log_format,
        http_host=_host(values, "LADDERWATCH_HTTP_HOST"),
        log_level=_log_level(values, "LADDERWATCH_LOG_LEVEL"),
    )
