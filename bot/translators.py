"""Translation providers: deep-translator's clients behind one `Provider` shape.

Each provider knows its request size limit, its spelling of language codes and how to
build a client; `classify_failure` turns whatever a client raised into one short reason,
and `run_in_daemon_thread` runs a blocking call so that a request that never returns
(deep-translator has no timeouts) can neither stall the event loop nor keep the process
alive at exit. The service that chains, caches and chunks is `bot.translate`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

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

from bot.settings import Settings

UNDETERMINED = "und"
# Any non-empty key works for a self-hosted LibreTranslate without keys.
LIBRE_PLACEHOLDER_KEY = "ladderwatch"
# requests drops proxy keys set to None, environment proxies included.
_NO_PROXY: dict[str, str | None] = {"http": None, "https": None, "all": None}

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


def primary_language(lang: str) -> str:
    return lang.strip().lower().replace("_", "-").split("-")[0]


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
        # A server on this machine is never reached through HTTP(S)_PROXY: the text stays local.
        proxies = _NO_PROXY if urlsplit(url).hostname in ("127.0.0.1", "::1", "localhost") else None
        response = requests.post(url, params=params, json=params, timeout=self.REQUEST_TIMEOUT, proxies=proxies)
        if response.status_code in self.REFUSED:
            response = requests.post(
                url, params=params, data=params, timeout=self.REQUEST_TIMEOUT, proxies=proxies
            )
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


SAMPLES = "samples"


def build_providers(settings: Settings) -> list[Provider]:
    """The chain from settings, in order; `none` contributes nothing."""
    factories: dict[str, Callable[[], Provider]] = {
        "google": _google_provider,
        "libre": lambda: _libre_provider(settings),
        "mymemory": _mymemory_provider,
        "deepl": lambda: _deepl_provider(settings),
        # Not a user setting (LADDERWATCH_TRANSLATOR refuses it): the demo's hand translations,
        # served over LibreTranslate's API on loopback, must not be credited to LibreTranslate.
        SAMPLES: lambda: replace(_libre_provider(settings), name=SAMPLES),
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


def run_in_daemon_thread(func: Callable[..., T], *args: Any) -> asyncio.Future[T]:
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


