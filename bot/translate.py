"""Translation stage: deep-translator behind one small service that never raises.

`TranslationService.translate` tries the providers of `LADDERWATCH_TRANSLATOR` in
order and returns a `Translation`; when every provider fails, the text is None and the
error says what failed and what to do, so the caller stores the statement untranslated,
classifies the original and retries later.

Why it is built this way:
- deep-translator has no timeouts, so each request runs in a daemon thread awaited with
  a deadline (a hung request can neither stall the event loop nor keep the process alive
  at exit), and a provider that timed out, was unreachable or rate-limited is skipped for
  a cool-down, so an offline machine answers "unavailable" at once instead of every time
  after a timeout.
- Providers cap the request size (Libre and MyMemory send the text in the URL), so long
  texts are cut on sentence boundaries into chunks under the provider's limit, counted
  in UTF-8 bytes, and the translated chunks are joined back in order.
- Results are cached in the `translations` table by (sha256 of the text, source,
  target): statements are translated once, whatever the number of chats reading them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from deep_translator import DeeplTranslator, GoogleTranslator, LibreTranslator, MyMemoryTranslator
from deep_translator.base import BaseTranslator
from deep_translator.constants import (
    DEEPL_LANGUAGE_TO_CODE,
    GOOGLE_LANGUAGES_TO_CODES,
    LIBRE_LANGUAGES_TO_CODES,
    MY_MEMORY_LANGUAGES_TO_CODES,
)
from deep_translator.exceptions import (
    ApiKeyException,
    AuthorizationException,
    BaseError,
    RequestError,
    ServerException,
    TooManyRequests,
    TranslationNotFound,
)
from deep_translator.validate import is_empty, is_input_valid, request_failed
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot import metrics
from bot.model import Translation
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.tables import TranslationRow

log = logging.getLogger(__name__)

COOLDOWN_SECONDS = 300.0
UNDETERMINED = "und"
DISABLED_ERROR = "translation is disabled (LADDERWATCH_TRANSLATOR=none)"
# Any non-empty key works for a self-hosted LibreTranslate without keys.
LIBRE_PLACEHOLDER_KEY = "ladderwatch"
# Target languages written without spaces between sentences.
_UNSPACED_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my"})

# What to suggest when the configured chain fails, first one not yet configured.
_ALTERNATIVES = (
    ("libre", "libre with LIBRETRANSLATE_URL"),
    ("google", "google"),
    ("deepl", "deepl with DEEPL_API_KEY"),
    ("mymemory", "mymemory"),
)

T = TypeVar("T")


# -- language codes ------------------------------------------------------------------


def _code_table(codes: Iterable[str], **overrides: str) -> dict[str, str]:
    """Our lower-case ISO 639-1 code (or tag like zh-tw) → the provider's spelling."""
    table = {code.lower(): code for code in codes}
    table.update({ours.replace("_", "-"): theirs for ours, theirs in overrides.items()})
    return table


def _locale_table(locales: Iterable[str]) -> dict[str, str]:
    """MyMemory wants locales (it-IT): map each language to its home locale, else the first."""
    table: dict[str, str] = {}
    for locale in locales:
        language = locale.split("-")[0].lower()
        table.setdefault(locale.lower(), locale)
        if language not in table or locale.lower() == f"{language}-{language}":
            table[language] = locale
    return table


GOOGLE_CODES = _code_table(
    GOOGLE_LANGUAGES_TO_CODES.values(), zh="zh-CN", he="iw", jv="jw", fil="tl"
)
LIBRE_CODES = _code_table(LIBRE_LANGUAGES_TO_CODES.values())
MYMEMORY_CODES = _locale_table(MY_MEMORY_LANGUAGES_TO_CODES.values())
DEEPL_CODES = _code_table(DEEPL_LANGUAGE_TO_CODE.values())


def provider_code(table: Mapping[str, str], lang: str) -> str | None:
    """The provider's code for `lang`, trying the full tag then the language; None if unknown."""
    tag = lang.strip().lower().replace("_", "-")
    if not tag or tag == UNDETERMINED:
        return None
    return table.get(tag) or table.get(tag.split("-")[0])


def _language(lang: str) -> str:
    return lang.strip().lower().replace("_", "-").split("-")[0]


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
        elif separator or _language(target) not in _UNSPACED_LANGUAGES:
            joined += " "
    return joined.strip()


# -- providers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    """One translation service: its request limit, language codes and how to build it."""

    name: str
    max_bytes: int
    codes: Mapping[str, str]
    build: Callable[[str | None, str], BaseTranslator]  # (source or None = detect, target)
    detects_source: bool = True
    where: str = ""


class ProviderFailure(Exception):
    """Why one provider could not translate; `cool_down` when it is pointless to retry soon."""

    def __init__(self, reason: str, *, cool_down: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cool_down = cool_down


class CompatibleLibreTranslator(LibreTranslator):
    """deep-translator's LibreTranslate client, asking the way every compatible server reads it.

    deep-translator sends the parameters in the query string only; LibreTranslate itself
    reads those, but its documented API (and many look-alike servers) take a JSON body. So
    the parameters travel in both; a server that refuses JSON (400/415/422) gets a form body,
    and one that refuses the source language code (newer servers say `zh-Hans`, not `zh`)
    is asked to detect it.
    """

    REQUEST_TIMEOUT = 30.0
    REFUSED = (400, 415, 422)

    def _post(self, source: str, text: str) -> requests.Response:
        params = {"q": text, "source": source, "target": self._target, "format": "text"}
        if self.api_key:
            params["api_key"] = self.api_key
        url = self._base_url + "translate"
        response = requests.post(url, params=params, json=params, timeout=self.REQUEST_TIMEOUT)
        if response.status_code in self.REFUSED:
            response = requests.post(url, params=params, data=params, timeout=self.REQUEST_TIMEOUT)
        return response

    def translate(self, text: str, **kwargs: Any) -> str:
        if not is_input_valid(text) or self._same_source_target() or is_empty(text):
            return text
        response = self._post(self._source, text)
        if response.status_code in self.REFUSED and self._source != "auto":
            response = self._post("auto", text)
        if response.status_code == 403:
            raise AuthorizationException(self.api_key)
        if request_failed(status_code=response.status_code):
            raise ServerException(response.status_code)
        answer = response.json()
        if not isinstance(answer, dict) or "translatedText" not in answer:
            raise TranslationNotFound(text)
        return str(answer["translatedText"] or "")  # empty: the service reports "no text"


def _libre_provider(settings: Settings) -> Provider:
    url = settings.libretranslate_url or ""
    base_url = url if url.endswith("/") else url + "/"  # deep-translator appends "translate"
    api_key = settings.libretranslate_api_key or LIBRE_PLACEHOLDER_KEY

    def build(source: str | None, target: str) -> BaseTranslator:
        return CompatibleLibreTranslator(
            source=source or "auto", target=target, api_key=api_key, custom_url=base_url
        )

    return Provider("libre", 1800, LIBRE_CODES, build, where=base_url)


def _deepl_provider(settings: Settings) -> Provider:
    api_key = settings.deepl_api_key or ""

    def build(source: str | None, target: str) -> BaseTranslator:
        translator = DeeplTranslator(
            source=source or "auto",
            target=target,
            api_key=api_key,
            use_free_api=api_key.endswith(":fx"),  # DeepL's free keys end in :fx
        )
        if source is None:
            # DeepL detects the language when source_lang is absent; requests drops None.
            translator.source = None
        return translator

    return Provider("deepl", 4800, DEEPL_CODES, build)


def _google_provider() -> Provider:
    def build(source: str | None, target: str) -> BaseTranslator:
        return GoogleTranslator(source=source or "auto", target=target)

    return Provider("google", 4800, GOOGLE_CODES, build)


def _mymemory_provider() -> Provider:
    def build(source: str | None, target: str) -> BaseTranslator:
        return MyMemoryTranslator(source=source or "auto", target=target)

    # MyMemory answers "'AUTODETECT' IS AN INVALID SOURCE LANGUAGE" instead of detecting.
    return Provider("mymemory", 480, MYMEMORY_CODES, build, detects_source=False)


def build_providers(settings: Settings) -> list[Provider]:
    """The chain from settings, in order; `none` contributes nothing."""
    factories: dict[str, Callable[[], Provider]] = {
        "google": _google_provider,
        "libre": lambda: _libre_provider(settings),
        "mymemory": _mymemory_provider,
        "deepl": lambda: _deepl_provider(settings),
    }
    return [factories[name]() for name in settings.translators if name in factories]


def _first_line(text: str, limit: int = 160) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def classify_failure(exc: BaseException, timeout: float) -> ProviderFailure:
    """Turn whatever deep-translator or requests raised into one short reason."""
    kind = type(exc).__name__
    if isinstance(exc, TimeoutError):
        return ProviderFailure(f"no answer within {timeout:g} s", cool_down=True)
    if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
        return ProviderFailure(f"no network or server unreachable ({kind})", cool_down=True)
    if isinstance(exc, TooManyRequests):
        return ProviderFailure(f"rate-limited by the service ({kind})", cool_down=True)
    if isinstance(exc, AuthorizationException | ApiKeyException):
        return ProviderFailure(f"API key missing or rejected ({kind})", cool_down=True)
    if isinstance(exc, ServerException | RequestError):
        return ProviderFailure(f"server error: {_first_line(str(exc))} ({kind})")
    if isinstance(exc, BaseError):
        return ProviderFailure(f"{_first_line(exc.message)} ({kind})")
    if isinstance(exc, requests.RequestException):
        return ProviderFailure(f"HTTP request failed: {_first_line(str(exc))} ({kind})")
    return ProviderFailure(f"unexpected {kind}: {_first_line(str(exc))}")


def _run_in_daemon_thread(func: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    """Like asyncio.to_thread, but a call that never returns cannot block interpreter exit."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: Exception | None) -> None:
        if future.done():
            return  # the caller gave up (timeout)
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        result: T | None = None
        error: Exception | None = None
        # Provider boundary: deep-translator raises many unrelated types (requests errors,
        # its own, KeyError or JSON errors on odd answers); all go back to the awaiting task.
        try:
            result = func(*args)
        except Exception as exc:
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name="translate", daemon=True).start()
    return future


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

    async def translate(self, text: str, source: str, target: str) -> Translation:
        """The translation of `text`, or Translation(text=None, error=...) saying why not."""
        if _language(source) == _language(target) or not any(c.isalpha() for c in text):
            return Translation(text, source, target, "identity")
        if not self._providers:
            return Translation(None, source, target, None, DISABLED_ERROR)

        key = (hashlib.sha256(text.encode("utf-8")).hexdigest(), source.lower(), target.lower())
        cached = await asyncio.to_thread(self._read_cache, key)
        if cached is not None:
            return Translation(cached[0], source, target, cached[1])

        failures: list[str] = []
        for provider in self._providers:
            try:
                translated = await self._translate_with(provider, text, source, target)
            except ProviderFailure as failure:
                failures.append(f"{provider.name}: {failure.reason}")
                continue
            await asyncio.to_thread(self._write_cache, key, translated, provider.name)
            self.last_error = None
            return Translation(translated, source, target, provider.name)

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
                    _run_in_daemon_thread(translator.translate, chunk), self._timeout
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
