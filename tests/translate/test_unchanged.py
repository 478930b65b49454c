"""A "translation" identical to the source is not a translation (issue 10, item 6): it is
neither shown nor stored, is not retried as a failure, and the text is classified as the
English it evidently is. And a LibreTranslate on loopback is never reached through a proxy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.analysis import translate_and_classify
from bot.classify import Classifier
from bot.model import Statement
from bot.pipeline import Pipeline
from bot.settings import load_settings
from bot.storage.db import Database, open_database
from bot.translate import UNCHANGED, TranslationService
from tests.support.libretranslate import LibreTranslateDouble
from tests.support.recording_proxy import RecordingProxy

ENGLISH = "Any attack will be met with a firm and decisive response."


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'ladderwatch.sqlite3'}")
    yield database
    database.close()


@pytest.fixture
def echo_libre() -> Iterator[LibreTranslateDouble]:
    """A server that gives every text back as it came (what Google does with English sent as Hindi)."""
    with LibreTranslateDouble(fallback=lambda text, source, target: f"  {text} ") as double:
        yield double


def _settings(libre: LibreTranslateDouble, folder: Path):
    return load_settings(
        {
            "LADDERWATCH_TRANSLATOR": "libre",
            "LIBRETRANSLATE_URL": libre.url,
            "DATABASE_URL": f"sqlite:///{folder / 'p.sqlite3'}",
            "LADDERWATCH_CONFIG": str(folder),
        },
        env_file=None,
    )


async def test_an_unchanged_answer_is_no_translation_and_is_cached(echo_libre, db, tmp_path):
    service = TranslationService(_settings(echo_libre, tmp_path), db)
    first = await service.translate(ENGLISH, "hi", "en")
    again = await service.translate(ENGLISH, "hi", "en")
    assert first.text is None and first.provider == UNCHANGED and first.error is None
    assert again == first
    assert echo_libre.queries == [ENGLISH]


async def test_an_unchanged_text_is_classified_as_english_but_not_stored_as_a_translation(echo_libre, tmp_path):
    (tmp_path / "watchlist.yaml").write_text("accounts: []\n")
    pipeline = await Pipeline.open(_settings(echo_libre, tmp_path))
    try:
        statement = Statement(
            "a", 1, ENGLISH, "", None, None, datetime.now(UTC), False, "k", "h", lang="hi"
        )
        analysed = await pipeline.analyser.analyse(statement, ENGLISH)
    finally:
        await pipeline.close()
    assert analysed.translation_en is None and analysed.translation_pending is False
    assert analysed.verdict.label.value == "escalation"


async def test_a_real_translation_is_still_a_translation(db, tmp_path):
    with LibreTranslateDouble({"Ciao a tutti": "Hello everyone"}) as libre:
        service = TranslationService(_settings(libre, tmp_path), db)
        translation, _ = await translate_and_classify(service, Classifier.load(), "Ciao a tutti", "it")
    assert translation.text == "Hello everyone" and translation.provider == "libre"


async def test_a_loopback_libretranslate_is_not_reached_through_a_proxy(db, tmp_path, monkeypatch):
    with RecordingProxy() as proxy, LibreTranslateDouble({"Ciao": "Hello"}) as libre:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        result = await TranslationService(_settings(libre, tmp_path), db).translate("Ciao", "it", "en")
    assert result.text == "Hello"
    assert proxy.attempts == []
