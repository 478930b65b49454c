"""The bot's own texts, read from one YAML catalog per language in `bot/locales/`.

Catalogs are data that translators edit: each entry has an `id`, a `text` and (in the
English reference catalog) a `note` saying where the text appears. They are validated
when first used: every language must have exactly the English ids, with the same
`{placeholders}`, so a missing translation fails loudly at start-up, not in a chat.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

LOCALES = Path(__file__).parent / "locales"
REFERENCE = "en"


class CatalogError(ValueError):
    """A message catalog is malformed or disagrees with the English reference."""


@dataclass(frozen=True)
class Catalog:
    language: str
    name: str
    messages: dict[str, str]


def _placeholders(template: str) -> frozenset[str]:
    return frozenset(field for _, field, _, _ in string.Formatter().parse(template) if field)


def _read_catalog(path: Path) -> Catalog:
    where = path.name
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CatalogError(f"{where}: not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("messages"), list):
        raise CatalogError(f"{where}: needs `language`, `name` and a `messages` list")
    language = str(document.get("language", ""))
    if language != path.stem:
        raise CatalogError(f"{where}: `language: {language}` must match the file name")
    messages: dict[str, str] = {}
    for position, entry in enumerate(document["messages"], start=1):
        if not isinstance(entry, dict) or not entry.get("id") or not isinstance(entry.get("text"), str):
            raise CatalogError(f"{where}: message #{position} needs an `id` and a `text`")
        if language == REFERENCE and not entry.get("note"):
            raise CatalogError(f"{where}: message {entry['id']!r} needs a `note` for translators")
        if entry["id"] in messages:
            raise CatalogError(f"{where}: message id {entry['id']!r} appears twice")
        messages[str(entry["id"])] = entry["text"]
    return Catalog(language, str(document.get("name", language)), messages)


def validate(catalogs: dict[str, Catalog]) -> None:
    """Every catalog has the reference's ids, with the same placeholders."""
    reference = catalogs.get(REFERENCE)
    if reference is None:
        raise CatalogError(f"the reference catalog {REFERENCE}.yaml is missing")
    for catalog in catalogs.values():
        missing = sorted(reference.messages.keys() - catalog.messages.keys())
        extra = sorted(catalog.messages.keys() - reference.messages.keys())
        if missing or extra:
            raise CatalogError(f"{catalog.language}.yaml: missing ids {missing}, unknown ids {extra}")
        for key, template in catalog.messages.items():
            if _placeholders(template) != _placeholders(reference.messages[key]):
                raise CatalogError(
                    f"{catalog.language}.yaml: {key!r} must use the placeholders "
                    f"{sorted(_placeholders(reference.messages[key]))}"
                )


@lru_cache(maxsize=1)
def catalogs() -> dict[str, Catalog]:
    """All catalogs, validated once per process."""
    loaded = {path.stem: _read_catalog(path) for path in sorted(LOCALES.glob("*.yaml"))}
    validate(loaded)
    return loaded


def languages() -> tuple[str, ...]:
    """Language codes the bot speaks, reference first."""
    codes = sorted(catalogs())
    return (REFERENCE, *[code for code in codes if code != REFERENCE])


def language_name(lang: str) -> str:
    return catalogs()[supported_language(lang)].name


def supported_language(code: str | None) -> str:
    """The catalog language for a Telegram `language_code` such as `it-IT`, else English."""
    primary = (code or "").split("-")[0].lower()
    return primary if primary in catalogs() else REFERENCE


def text(lang: str, key: str, /, **values: object) -> str:
    """The message `key` in `lang` (English when `lang` has no catalog), filled with `values`."""
    table = catalogs()
    catalog = table.get(supported_language(lang), table[REFERENCE])
    return catalog.messages[key].format(**values)


def _optional(lang: str, key: str) -> str | None:
    table = catalogs()
    return table.get(supported_language(lang), table[REFERENCE]).messages.get(key)


def language_label(lang: str, code: str) -> str:
    """The name of the language `code` (`it`, `zh-cn`) written in `lang`; the code when unnamed."""
    primary = code.split("-")[0].lower()
    return _optional(lang, f"lang.{primary}") or code


def category_name(lang: str, category: str) -> str:
    """A cue category (`threat`, `ceasefire`) as analysts read it; empty when unnamed."""
    return _optional(lang, f"category.{category}") or ""
