"""Plain data passed between the stages (no I/O here).

A statement travels feed → `FeedEntry` (parse) → `Statement` (dedupe, language,
translation) → `Verdict` (classify) → stored row → alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Label(StrEnum):
    ESCALATION = "escalation"
    DEESCALATION = "de-escalation"
    NEUTRAL = "neutral"


class SourceKind(StrEnum):
    RSS = "rss"
    X = "x"
    BLUESKY = "bluesky"
    MASTODON = "mastodon"
    TELEGRAM = "telegram"


@dataclass(frozen=True)
class SourceSpec:
    """One line under an account's `sources:` in the watchlist, e.g. `x: Antonio_Tajani`."""

    kind: SourceKind
    handle: str


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    role: str = ""
    country: str = ""
    languages: tuple[str, ...] = ()
    sources: tuple[SourceSpec, ...] = ()


@dataclass(frozen=True)
class FeedEntry:
    """What a parser extracts from one item of a fetched document, before any enrichment."""

    text: str
    title: str = ""
    url: str | None = None
    guid: str | None = None
    published: datetime | None = None
    author: str | None = None
    is_repost: bool = False
    edited: bool = False


@dataclass(frozen=True)
class Statement:
    """A feed entry attributed to an account, with its dedupe keys and (later) language."""

    account_id: str
    source_id: int
    text: str
    title: str
    url: str | None
    guid: str | None
    published: datetime
    published_estimated: bool
    key: str
    content_hash: str
    is_repost: bool = False
    lang: str = "und"


@dataclass(frozen=True)
class Cue:
    """A phrase that moved the verdict: matched text, its language, weight and category."""

    text: str
    lang: str
    weight: float
    category: str
    english: str | None = None


@dataclass(frozen=True)
class Verdict:
    label: Label
    score: float
    confidence: float
    mixed: bool
    cues: tuple[Cue, ...] = field(default_factory=tuple)
    # True when the engine could not read the text (no lexicon for its language and no
    # translation): confidence is 0 and `reason` says why; never a confident neutral.
    abstained: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Translation:
    """The result of translating one text; `text` is None when no provider could do it."""

    text: str | None
    source_lang: str
    target_lang: str
    provider: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.text is not None


@dataclass(frozen=True)
class AnalysedStatement:
    """A statement after language, translation and classification: what gets stored."""

    statement: Statement
    translation_en: str | None
    translation_pending: bool
    verdict: Verdict
