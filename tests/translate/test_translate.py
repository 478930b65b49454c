"""TRANSLATE stage: real deep-translator calls against a LibreTranslate double on 127.0.0.1.

Providers that would reach the internet (Google, MyMemory, DeepL) are pointed at a closed
loopback port, which is what an offline machine looks like to them.
"""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from deep_translator import constants

from bot.settings import Settings, load_settings
from bot.storage.db import Database, open_database
from bot.storage.tables import TranslationRow
from bot.translate import DISABLED_ERROR, TranslationService, split_text
from bot.translators import GOOGLE_CODES, LIBRE_CODES, MYMEMORY_CODES, provider_code
from tests.support.libretranslate import LibreTranslateDouble

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def offline_public_providers(monkeypatch: pytest.MonkeyPatch) -> str:
    """Google, MyMemory and DeepL get a loopback port nobody listens on: connection refused."""
    dead = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setitem(constants.BASE_URLS, "GOOGLE_TRANSLATE", f"{dead}/m")
    monkeypatch.setitem(constants.BASE_URLS, "MYMEMORY", f"{dead}/get")
    monkeypatch.setitem(constants.BASE_URLS, "DEEPL_FREE", f"{dead}/{{version}}/")
    monkeypatch.setitem(constants.BASE_URLS, "DEEPL", f"{dead}/{{version}}/")
    return dead


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'ladderwatch.sqlite3'}")
    yield database
    database.close()


def settings_for(chain: str, libre: LibreTranslateDouble | None = None, **extra: str) -> Settings:
    environ = {"LADDERWATCH_TRANSLATOR": chain, **extra}
    if libre is not None:
        environ["LIBRETRANSLATE_URL"] = libre.url
    return load_settings(environ, env_file=None)


def libre_service(
    libretranslate_server: LibreTranslateDouble, db: Database, *, timeout: float = 5.0
) -> TranslationService:
    return TranslationService(settings_for("libre", libretranslate_server), db, timeout=timeout)


async def test_libre_translates_through_deep_translator(libretranslate_server, db):
    libretranslate_server.translations["Entrambe le parti sono pronte a de-escalare."] = (
        "Both sides are ready to de-escalate."
    )
    service = libre_service(libretranslate_server, db)

    result = await service.translate("Entrambe le parti sono pronte a de-escalare.", "it", "en")

    assert result.ok and result.error is None
    assert result.text == "Both sides are ready to de-escalate."
    assert result.provider == "libre"
    (request,) = libretranslate_server.requests
    assert (request.method, request.path) == ("POST", "/translate")
    assert request.params["source"] == "it" and request.params["target"] == "en"
    assert request.params["format"] == "text"
    assert request.params["api_key"], "deep-translator refuses an empty key, even self-hosted"


@pytest.mark.parametrize("reads", ["query", "json", "form"])
async def test_libre_works_with_servers_reading_parameters_from_any_place(reads, db):
    with LibreTranslateDouble({"Cessate il fuoco.": "Ceasefire."}, reads=reads) as libre:
        result = await libre_service(libre, db).translate("Cessate il fuoco.", "it", "en")
    assert result.text == "Ceasefire."


async def test_libre_asks_to_detect_a_source_code_the_server_refuses(db):
    with LibreTranslateDouble(fallback=lambda text, source, target: f"[{source}] {text}") as libre:
        libre.refused_sources = {"zh"}
        result = await libre_service(libre, db).translate("停火。", "zh", "en")
    assert result.text == "[auto] 停火。"


async def test_libre_api_key_comes_from_settings_and_a_wrong_key_is_reported(db):
    with LibreTranslateDouble({"Pace.": "Peace."}, api_key="s3cret") as libre:
        right = settings_for("libre", libre, LIBRETRANSLATE_API_KEY="s3cret")
        wrong = settings_for("libre", libre, LIBRETRANSLATE_API_KEY="nope")

        good = await TranslationService(right, db).translate("Pace.", "it", "en")
        bad = await TranslationService(wrong, db).translate("Pace e dialogo.", "it", "en")

    assert good.text == "Peace."
    assert bad.text is None
    assert "libre: API key missing or rejected" in bad.error


async def test_a_cached_translation_is_not_requested_again(libretranslate_server, db):
    libretranslate_server.translations["Ciao."] = "Hello."
    first = await libre_service(libretranslate_server, db).translate("Ciao.", "it", "en")
    # A new service (as after a restart) still finds it: the cache is the database.
    again = await libre_service(libretranslate_server, db).translate("Ciao.", "it", "en")

    assert first.text == again.text == "Hello."
    assert again.provider == "libre"
    assert libretranslate_server.queries == ["Ciao."]
    with db.session() as session:
        row = session.query(TranslationRow).one()
    assert (row.source_lang, row.target_lang, row.provider) == ("it", "en", "libre")
    assert len(row.text_hash) == 64 and row.created_at.tzinfo is not None


async def test_the_cache_is_keyed_by_target_language(libretranslate_server, db):
    service = libre_service(libretranslate_server, db)

    english = await service.translate("Hola.", "es", "en")
    italian = await service.translate("Hola.", "es", "it")

    assert (english.text, italian.text) == ("[en] Hola.", "[it] Hola.")
    assert len(libretranslate_server.queries) == 2


async def test_an_unreachable_provider_falls_back_to_the_next_one(libretranslate_server, db):
    service = TranslationService(settings_for("google,libre", libretranslate_server), db)

    result = await service.translate("Appello alla moderazione.", "it", "en")

    assert result.text == "[en] Appello alla moderazione."
    assert result.provider == "libre"
    assert "google (unavailable for 5 more min: no network" in service.describe()
    assert "libre at http://127.0.0.1:" in service.describe()
    assert service.describe().endswith("/ (last call worked)")


async def test_when_every_provider_fails_the_error_names_each_and_what_to_do(
    libretranslate_server, db
):
    service = TranslationService(settings_for("google,libre", libretranslate_server), db)
    libretranslate_server.fail_next(1, status=500)

    result = await service.translate("Testo.", "it", "en")

    assert result.text is None and result.provider is None
    assert result.error.startswith("google: no network or server unreachable (ConnectionError); ")
    assert "libre: server error" in result.error
    assert "LADDERWATCH_TRANSLATOR=" in result.error and "none" in result.error
    assert "\n" not in result.error
    assert service.last_error == result.error


async def test_a_server_error_does_not_take_the_provider_out(libretranslate_server, db):
    service = libre_service(libretranslate_server, db)
    libretranslate_server.fail_next(1, status=500)

    failed = await service.translate("Uno.", "it", "en")
    retried = await service.translate("Uno.", "it", "en")

    assert failed.text is None
    assert retried.text == "[en] Uno." and service.last_error is None
    assert len(libretranslate_server.queries) == 2


async def test_an_empty_answer_fails_the_call_but_not_the_provider(libretranslate_server, db):
    """Google answers None for some texts; the next statement must still be tried."""
    libretranslate_server.translations["Strano."] = ""
    service = libre_service(libretranslate_server, db)

    empty = await service.translate("Strano.", "it", "en")
    normal = await service.translate("Normale.", "it", "en")

    assert empty.text is None and "returned no text" in empty.error
    assert normal.text == "[en] Normale."


async def test_a_hanging_server_is_bounded_then_skipped_during_the_cool_down(
    libretranslate_server, db
):
    service = libre_service(libretranslate_server, db, timeout=0.5)
    assert service.describe().endswith("(not tried yet)")
    libretranslate_server.hang(10)

    started = time.monotonic()
    hung = await service.translate("Attesa.", "it", "en")
    hung_seconds = time.monotonic() - started
    started = time.monotonic()
    skipped = await service.translate("Altro testo.", "it", "en")
    skipped_seconds = time.monotonic() - started

    assert hung.text is None and "libre: no answer within 0.5 s" in hung.error
    assert 0.5 <= hung_seconds < 1.5
    assert skipped.text is None and "unavailable for another" in skipped.error
    assert skipped_seconds < 0.3
    assert libretranslate_server.queries == ["Attesa."]
    assert "unavailable for 5 more min: no answer within 0.5 s" in service.describe()


async def test_offline_default_chain_reports_unavailable_quickly(db):
    service = TranslationService(settings_for("google"), db)

    started = time.monotonic()
    results = [await service.translate(f"Frase numero {n}.", "it", "en") for n in range(5)]

    assert time.monotonic() - started < 2
    assert all(r.text is None for r in results)
    assert results[0].error.startswith("google: no network or server unreachable")
    assert "LIBRETRANSLATE_URL" in results[0].error


async def test_a_long_text_is_sent_in_sentence_chunks_and_joined_in_order(
    libretranslate_server, db
):
    sentences = [f"Frase numero {n} sulla situazione al confine." for n in range(120)]
    text = " ".join(sentences)
    assert len(text) > 5000

    result = await libre_service(libretranslate_server, db).translate(text, "it", "en")

    queries = libretranslate_server.queries
    assert len(queries) > 1
    assert all(len(q.encode()) <= 1800 and q.endswith("confine.") for q in queries)
    # Greedy: a chunk ends only where the next sentence would not have fitted.
    for chunk, following in itertools.pairwise(queries):
        next_sentence = following.split(". ")[0] + "."
        assert len(f"{chunk} {next_sentence}".encode()) > 1800
    assert " ".join(queries) == text
    assert result.text == " ".join(f"[en] {q}" for q in queries)


async def test_same_source_and_target_is_the_text_itself(libretranslate_server, db):
    service = libre_service(libretranslate_server, db)

    same = await service.translate("Restraint is needed.", "en", "en")
    regional = await service.translate("Restraint is needed.", "en-GB", "en")

    assert same.text == regional.text == "Restraint is needed."
    assert same.provider == "identity"
    assert libretranslate_server.requests == []


async def test_text_without_letters_needs_no_translation(libretranslate_server, db):
    result = await libre_service(libretranslate_server, db).translate("🇮🇳🤝🇵🇰 !!!", "und", "en")

    assert (result.text, result.provider) == ("🇮🇳🤝🇵🇰 !!!", "identity")
    assert libretranslate_server.requests == []


@pytest.mark.parametrize("lang", ["ur", "fa", "und"])
async def test_libre_detects_languages_missing_from_its_list(libretranslate_server, db, lang):
    result = await libre_service(libretranslate_server, db).translate("متن بیانیه", lang, "en")

    assert result.text == "[en] متن بیانیه"
    assert libretranslate_server.requests[0].params["source"] == "auto"


async def test_a_target_the_provider_lacks_is_a_clear_failure(libretranslate_server, db):
    result = await libre_service(libretranslate_server, db).translate("Ciao.", "it", "sw")

    assert result.text is None
    assert "libre: cannot translate into 'sw'" in result.error
    assert libretranslate_server.requests == []


async def test_mymemory_is_not_asked_to_guess_the_source(db):
    service = TranslationService(settings_for("mymemory"), db)

    result = await service.translate("Texte inconnu.", "und", "en")

    assert "mymemory: cannot detect the source language" in result.error


async def test_chain_none_disables_translation(db):
    service = TranslationService(settings_for("none"), db)

    result = await service.translate("Ciao.", "it", "en")

    assert result == result.__class__(None, "it", "en", None, DISABLED_ERROR)
    assert service.describe().startswith("translator: none (disabled")


def test_language_codes_follow_each_provider():
    assert provider_code(GOOGLE_CODES, "zh") == "zh-CN"
    assert provider_code(GOOGLE_CODES, "zh-tw") == "zh-TW"
    assert provider_code(GOOGLE_CODES, "he") == "iw"
    assert provider_code(GOOGLE_CODES, "und") is None
    assert provider_code(MYMEMORY_CODES, "it") == "it-IT"
    assert provider_code(MYMEMORY_CODES, "fr") == "fr-FR"
    assert provider_code(MYMEMORY_CODES, "zh") == "zh-CN"
    assert provider_code(LIBRE_CODES, "zh-cn") == "zh"
    assert provider_code(LIBRE_CODES, "ur") is None


@pytest.mark.parametrize(
    ("chain", "url_key", "base", "source", "expected"),
    [
        ("google", "GOOGLE_TRANSLATE", "/m", "zh", {"sl": "zh-CN", "tl": "en"}),
        ("google", "GOOGLE_TRANSLATE", "/m", "he", {"sl": "iw", "tl": "en"}),
        ("mymemory", "MYMEMORY", "/get", "it", {"langpair": "it-IT|en-GB"}),
        ("deepl", "DEEPL_FREE", "/{version}/", "it", {"source_lang": "it", "target_lang": "en"}),
        ("deepl", "DEEPL_FREE", "/{version}/", "und", {"target_lang": "en"}),
    ],
)
async def test_each_provider_receives_its_own_language_codes(
    libretranslate_server, db, monkeypatch, chain, url_key, base, source, expected
):
    """The double records what Google, MyMemory and DeepL would have been sent (and 404s)."""
    monkeypatch.setitem(constants.BASE_URLS, url_key, libretranslate_server.url + base)
    settings = settings_for(chain, DEEPL_API_KEY="key:fx")

    result = await TranslationService(settings, db).translate("Testo.", source, "en")

    assert result.text is None and result.error.startswith(f"{chain}: ")
    (request,) = libretranslate_server.requests
    language_fields = {"sl", "tl", "langpair", "source_lang", "target_lang"}
    sent = {k: v for k, v in request.params.items() if k in language_fields}
    assert sent == expected


@pytest.mark.parametrize(
    ("sentence", "mark"),
    [
        ("我们呼吁双方保持克制", "。"),
        ("भारत संयम बरतने का आग्रह करता है", "।"),
        ("هل سيتم احترام وقف إطلاق النار", "؟"),
        ("ہم امن چاہتے ہیں", "۔"),
    ],
)
def test_chunks_end_on_sentence_marks_of_other_scripts(sentence, mark):
    unit = sentence + mark + (" " if mark == "؟" else "")
    text = unit * 12
    limit = len(unit.encode()) * 3

    chunks = split_text(text, limit)

    assert len(chunks) == 4
    assert all(len(chunk.encode()) <= limit and chunk.endswith(mark) for chunk, _ in chunks)
    assert "".join(chunk + separator for chunk, separator in chunks) == text.strip()


def test_an_overlong_sentence_is_cut_on_spaces_then_anywhere():
    words = "word " * 50 + "x" * 70
    chunks = split_text(words, 40)

    assert all(len(chunk.encode()) <= 40 for chunk, _ in chunks)
    assert all(not chunk.startswith(" ") and not chunk.endswith(" ") for chunk, _ in chunks)
    assert "".join(chunk + separator for chunk, separator in chunks) == words.strip()


def test_paragraph_breaks_survive_chunking():
    text = "First paragraph here.\n\nSecond paragraph here."

    assert split_text(text, 30) == [
        ("First paragraph here.", "\n\n"),
        ("Second paragraph here.", ""),
    ]


def test_a_request_that_never_returns_does_not_keep_the_process_alive(tmp_path):
    """deep-translator has no timeout; the hung worker thread must not block interpreter exit."""
    script = tmp_path / "hang.py"
    script.write_text(
        "import asyncio, socket\n"
        "from bot.settings import load_settings\n"
        "from bot.storage.db import open_database\n"
        "from bot.translate import TranslationService\n"
        "listener = socket.create_server(('127.0.0.1', 0))  # accepts, never answers\n"
        "url = f'http://127.0.0.1:{listener.getsockname()[1]}'\n"
        "env = {'LADDERWATCH_TRANSLATOR': 'libre', 'LIBRETRANSLATE_URL': url}\n"
        f"db = open_database('sqlite:///{tmp_path / 'db.sqlite3'}')\n"
        "service = TranslationService(load_settings(env, env_file=None), db, timeout=0.3)\n"
        "print(asyncio.run(service.translate('Ciao.', 'it', 'en')).error)\n"
    )

    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert done.returncode == 0, done.stderr
    assert "libre: no answer within 0.3 s" in done.stdout
