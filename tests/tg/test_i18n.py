"""The bot's message catalogs: complete in every language, validated loudly."""

from __future__ import annotations

import pytest

from bot.i18n import Catalog, CatalogError, catalogs, languages, supported_language, text, validate


def test_english_and_italian_catalogs_have_the_same_ids():
    loaded = catalogs()
    assert languages() == ("en", "it")
    assert loaded["en"].messages.keys() == loaded["it"].messages.keys()


def test_texts_fall_back_to_english_and_fill_placeholders():
    assert text("de", "cmd.mute") == text("en", "cmd.mute")
    assert "Antonio" in text("it", "subscribe.done", target="Antonio")


def test_telegram_language_codes_map_to_our_catalogs():
    assert supported_language("it-IT") == "it"
    assert supported_language("pt-BR") == "en"
    assert supported_language(None) == "en"


def test_a_missing_translation_or_a_wrong_placeholder_is_rejected():
    english = Catalog("en", "English", {"a": "Hello {name}", "b": "Bye"})
    with pytest.raises(CatalogError, match="missing ids"):
        validate({"en": english, "it": Catalog("it", "Italiano", {"a": "Ciao {name}"})})
    with pytest.raises(CatalogError, match="placeholders"):
        validate({"en": english, "it": Catalog("it", "Italiano", {"a": "Ciao {nome}", "b": "Ciao"})})
