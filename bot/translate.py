"""Translation stage: deep-translator behind one small service that never raises.

`TranslationService.translate` tries the providers of `LADDERWATCH_TRANSLATOR` in
order and returns a `Translation`; when every provider fails, the text is None and the
error says what failed and what to do, so the caller stores the statement untranslated,
classifies the original and retries later.

Why it is built this way:
- deep-translator has no timeouts, so each request runs in a daemon thread awaited with
  a deadline (see `bot.translators`), and a provider that timed out, was unreachable or
  rate-limited is skipped for a cool-down, so an offline machine answers "unavailable"
  at once instead of every time after a timeout.
- Providers cap the request size (Libre and MyMemory send the text in the URL), so long
  texts are cut on sentence boundaries into chunks under the provider's limit, counted
  in UTF-8 bytes, and the translated chunks are joined back in order.
- Results are cached in the `translations` table by (sha256 of the text, source,
  target): statements are translated once, whatever the number of chats reading them.
- A text given back unchanged is not a translation (`UNCHANGED`): it is neither shown
  nor stored as one, and not retried as a failure.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from deep_translator.exceptions import BaseError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot import metrics
from bot.model import Translation
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.tables import TranslationRow
from bot.translators import (
    Provider,
    ProviderFailure,
    build_providers,
    classify_failure,
    primary_language,
    provider_code,
    run_in_daemon_thread,
)

log = logging.getLogger(__name__)


@contextmanager
def failures_not_logged() -> Iterator[None]:
    """For a command that prints a translation failure on its own line (`check`, `classify`):
    no second, log-formatted copy of it in between."""
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)

COOLDOWN_SECONDS = 300.0
DISABLED_ERROR = "translation is disabled (LADDERWATCH_TRANSLATOR=none)"
UNCHANGED = "unchanged"  # the provider gave the text back as it was: not a translation
# Target languages written without spaces between sentences.
_UNSPACED_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my"})

# What to suggest when the configured chain fails, first one not yet configured.
_ALTERNATIVES = (
    ("libre", "libre with LIBRETRANSLATE_URL"),
    ("google", "google"),
    ("deepl", "deepl with DEEPL_API_KEY"),
    ("mymemory", "mymemory"),
)


# -- chunking ------------------------------------------------------------------------

# A separator after a sentence: line breaks; whitespace after . ! ? … (possibly closed
# by a quote or bracket); or after CJK, Arabic, Urdu and Devanagari sentence marks,
# which need no following space.
_SENTENCE_SEPARATOR = re.compile(
    r"\s*\n\s*"
    r"|(?:(?<=[.!?…])|(?<=[.!?…][\"'”’»)\]]))\s+"
    r"|(?<=[。！？；؟।॥۔])\s*"
)
_WORD = re.compile(r"(\S+)(\s*)")


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _hard_split(word: str, limit: int) -> list[tuple[str, str]]:
    """Cut a run without spaces (long CJK sentence, URL) into pieces under `limit` bytes."""
    pieces: list[tuple[str, str]] = []
    current = ""
    for char in word:
        if current and _size(current + char) > limit:
            pieces.append((current, ""))
            current = ""
        current += char
    pieces.append((current, ""))
    return pieces


def _units(text: str, limit: int) -> list[tuple[str, str]]:
    """(sentence, whitespace after it), with over-long sentences cut on spaces, then anywhere."""
    sentences: list[tuple[str, str]] = []
    position = 0
    for match in _SENTENCE_SEPARATOR.finditer(text):
        sentence = text[position : match.start()]
        if sentence:
            sentences.append((sentence, match.group()))
        elif sentences:
            sentences[-1] = (sentences[-1][0], sentences[-1][1] + match.group())
        position = match.end()
    if text[position:]:
        sentences.append((text[position:], ""))

    units: list[tuple[str, str]] = []
    for sentence, separator in sentences:
        if _size(sentence) <= limit:
            units.append((sentence, separator))
            continue
        words = [(match[1], match[2]) for match in _WORD.finditer(sentence)]
        words[-1] = (words[-1][0], words[-1][1] + separator)
        for word, space in words:
            if _size(word) <= limit:
                units.append((word, space))
            else:
                cut = _hard_split(word, limit)
                cut[-1] = (cut[-1][0], space)
                units.extend(cut)
    return units


def split_text(text: str, limit: int) -> list[tuple[str, str]]:
    """Chunks of at most `limit` UTF-8 bytes, each with the whitespace that followed it."""
    chunks: list[tuple[str, str]] = []
    current, current_separator = "", ""
    for unit, separator in _units(text.strip(), limit):
        candidate = f"{current}{current_separator}{unit}" if current else unit
        if current and _size(candidate) > limit:
            chunks.append((current, current_separator))
            candidate = unit
        current, current_separator = candidate, separator
    if current:
        chunks.append((current, ""))
    return chunks


def join_chunks(parts: list[tuple[str, str]], target: str) -> str:
    """Translated chunks back in order: paragraph breaks kept, otherwise one space (or none)."""
    joined = ""
    for translated, separator in parts:
        joined += translated.strip()
        if separator.count("\n") >= 2:
            joined += "\n\n"
        elif "\n" in separator:
            joined += "\n"
        elif separator or primary_language(target) not in _UNSPACED_LANGUAGES:
            joined += " "
    return joined.strip()


def _same_text(translated: str, original: str) -> bool:
    return " ".join(translated.split()).casefold() == " ".join(original.split()).casefold()


def _result(translated: str, source: str, target: str, provider: str) -> Translation:
    """A text given back unchanged (already in the target language, or names only) is not a
    translation: text None, provider UNCHANGED, no error, so it is neither shown nor stored."""
    if provider == UNCHANGED:
        return Translation(None, source, target, UNCHANGED)
    return Translation(translated, source, target, provider)


@dataclass
class ProviderState:
    """What the service remembers about a provider between calls (in memory only)."""

    unavailable_until: float = 0.0
    last_error: str | None = None
    has_worked: bool = False


# -- the service ---------------------------------------------------------------------


class TranslationService:
    """Translate with the configured chain, cache results, never raise."""

    def __init__(self, settings: Settings, db: Database, *, timeout: float = 15.0) -> None:
        self._db = db
        self._timeout = timeout
        self._providers = build_providers(settings)
        self._states = {provider.name: ProviderState() for provider in self._providers}
        self.last_error: str | None = None

    @property
    def enabled(self) -> bool:
        """A translator is configured: `none`, alone or in a chain, adds none."""
        return bool(self._providers)

    async def translate(self, text: str, source: str, target: str) -> Translation:
        """The translation of `text`, or Translation(text=None, error=...) saying why not."""
        if primary_language(source) == primary_language(target) or not any(c.isalpha() for c in text):
            return Translation(text, source, target, "identity")
        if not self._providers:
            return Translation(None, source, target, None, DISABLED_ERROR)

        key = (hashlib.sha256(text.encode("utf-8")).hexdigest(), source.lower(), target.lower())
        cached = await asyncio.to_thread(self._read_cache, key)
        if cached is not None:
            return _result(cached[0], source, target, cached[1])

        failures: list[str] = []
        for provider in self._providers:
            try:
                translated = await self._translate_with(provider, text, source, target)
            except ProviderFailure as failure:
                failures.append(f"{provider.name}: {failure.reason}")
                continue
            used = UNCHANGED if _same_text(translated, text) else provider.name
            await asyncio.to_thread(self._write_cache, key, translated, used)
            self.last_error = None
            return _result(translated, source, target, used)

        self.last_error = self._failure_message(failures)
        return Translation(None, source, target, None, self.last_error)

    def describe(self) -> str:
        """One line for `ladderwatch check`: the chain and the state of each provider."""
        if not self._providers:
            return "translator: none (disabled; statements are classified in their own language)"
        return "translator: " + ", ".join(self._describe(p) for p in self._providers)

    def _describe(self, provider: Provider) -> str:
        state = self._states[provider.name]
        label = f"{provider.name} at {provider.where}" if provider.where else provider.name
        remaining = state.unavailable_until - time.monotonic()
        if remaining > 0:
            minutes = math.ceil(remaining / 60)
            return f"{label} (unavailable for {minutes} more min: {state.last_error})"
        if state.last_error:
            return f"{label} (last call failed: {state.last_error})"
        return f"{label} (last call worked)" if state.has_worked else f"{label} (not tried yet)"

    async def _translate_with(
        self, provider: Provider, text: str, source: str, target: str
    ) -> str:
        state = self._states[provider.name]
        remaining = state.unavailable_until - time.monotonic()
        if remaining > 0:
            raise ProviderFailure(
                f"unavailable for another {remaining:.0f} s after: {state.last_error}"
            )
        metrics.TRANSLATIONS.labels(provider.name).inc()
        try:
            translated = await self._request_chunks(provider, text, source, target)
        except ProviderFailure as failure:
            metrics.TRANSLATION_FAILURES.labels(provider.name).inc()
            state.last_error = failure.reason
            if failure.cool_down:
                state.unavailable_until = time.monotonic() + COOLDOWN_SECONDS
            log.warning(
                "translation by %s failed (%s→%s): %s",
                provider.name, source, target, failure.reason,
            )
            raise
        state.last_error = None
        state.has_worked = True
        return translated

    async def _request_chunks(
        self, provider: Provider, text: str, source: str, target: str
    ) -> str:
        target_code = provider_code(provider.codes, target)
        if target_code is None:
            raise ProviderFailure(f"cannot translate into {target!r}")
        source_code = provider_code(provider.codes, source)
        if source_code is None and not provider.detects_source:
            raise ProviderFailure(f"cannot detect the source language and does not know {source!r}")
        try:
            translator = provider.build(source_code, target_code)
        except (BaseError, ValueError) as exc:
            raise classify_failure(exc, self._timeout) from exc

        parts: list[tuple[str, str]] = []
        for chunk, separator in split_text(text, provider.max_bytes):
            try:
                translated = await asyncio.wait_for(
                    run_in_daemon_thread(translator.translate, chunk), self._timeout
                )
            # Provider boundary, see _run_in_daemon_thread: every failure becomes a reason.
            except Exception as exc:
                raise classify_failure(exc, self._timeout) from exc
            if not isinstance(translated, str) or not translated.strip():
                raise ProviderFailure("returned no text for part of the statement")
            parts.append((translated, separator))
        return join_chunks(parts, target)

    def _failure_message(self, failures: list[str]) -> str:
        configured = {provider.name for provider in self._providers}
        alternative = next((hint for name, hint in _ALTERNATIVES if name not in configured), None)
        chain = f"{alternative} or none" if alternative else "none"
        return (
            "; ".join(failures)
            + f"; check the network or the service, or set LADDERWATCH_TRANSLATOR={chain}"
            + " (none skips translation)"
        )

    def _read_cache(self, key: tuple[str, str, str]) -> tuple[str, str] | None:
        try:
            with self._db.session() as session:
                row = session.get(TranslationRow, key)
                return (row.translated, row.provider) if row is not None else None
        except SQLAlchemyError as exc:
            log.warning("translation cache unreadable, translating anyway: %s", exc)
            return None

    def _write_cache(self, key: tuple[str, str, str], translated: str, provider: str) -> None:
        text_hash, source, target = key
        try:
            with self._db.session() as session:
                session.add(
                    TranslationRow(
                        text_hash=text_hash,
                        source_lang=source,
                        target_lang=target,
                        translated=translated,
                        provider=provider,
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            pass  # a concurrent call cached the same text first
        except SQLAlchemyError as exc:
            log.warning("translation not cached: %s", exc)
