"""Classification stage: statement text (+ English translation) → Verdict.

English carries the richest lexicon, so a translation is read with it; the original is
read with its own language's lexicon too, so the verdict survives when no translator
answers. The two readings combine side by side (see `engine.combine_totals`).
"""

from __future__ import annotations

import math

from bot.classify.engine import (
    CompiledLexicon,
    Hit,
    SideTotals,
    combine_totals,
    side_label,
    side_totals,
)
from bot.classify.lexicon import (
    ESCALATION,
    CategorySet,
    LexiconError,
    load_package_data,
)
from bot.model import Cue, Label, Verdict

__all__ = ["Classifier", "LexiconError"]

ENGLISH = "en"
# A verdict justifies itself with at most this many cues (long texts can match hundreds).
MAX_CUES = 12


class Classifier:
    """Holds the compiled lexicons; `classify` is pure and thread-safe."""

    def __init__(self, categories: CategorySet, lexicons: dict[str, CompiledLexicon]) -> None:
        self.categories = categories
        self.lexicons = lexicons

    @classmethod
    def load(cls) -> Classifier:
        """Load and validate the package's categories and lexicons (raises LexiconError)."""
        categories, lexicons = load_package_data()
        if ENGLISH not in lexicons:
            raise LexiconError("bot/classify/lexicons: the English lexicon (en.yaml) is missing")
        compiled = {lang: CompiledLexicon(lex, categories) for lang, lex in lexicons.items()}
        return cls(categories, compiled)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.lexicons))

    def classify(self, text: str, lang: str, english: str | None = None) -> Verdict:
        """Verdict for `text` in `lang`, using `english` (a translation) when available."""
        lang = lang.lower().split("-")[0] if lang else "und"
        tuning = self.categories.tuning
        if lang == ENGLISH or (english is None and lang not in self.lexicons):
            hits = self.lexicons[ENGLISH].find(text)
            totals = side_totals(hits, tuning)
            cues = self._cues(hits, lang if lang != "und" else ENGLISH, native=False)
        else:
            native_hits = self.lexicons[lang].find(text) if lang in self.lexicons else []
            native = side_totals(native_hits, tuning)
            english_hits = self.lexicons[ENGLISH].find(english) if english else []
            if english_hits:
                translated = side_totals(english_hits, tuning)
                totals = combine_totals(native.scaled(tuning.native_factor), translated, tuning.corroboration)
            else:
                totals = native
            cues = self._cues(native_hits, lang, native=True) + self._cues(english_hits, ENGLISH, native=False)
        return self._verdict(totals, cues)

    def _cues(self, hits: list[Hit], lang: str, native: bool) -> tuple[Cue, ...]:
        return tuple(
            Cue(
                text=hit.text,
                lang=lang,
                weight=round(hit.weight, 2),
                category=hit.category,
                english=hit.entry.english if native else None,
            )
            for hit in hits
        )

    def _verdict(self, totals: SideTotals, cues: tuple[Cue, ...]) -> Verdict:
        tuning = self.categories.tuning
        side = side_label(totals, tuning.neutral_threshold)
        net = totals.escalation - totals.deescalation
        score = math.tanh(net / tuning.score_scale)
        if side is None:
            label = Label.NEUTRAL
            evidence = tuning.neutral_threshold - totals.peak
            mixed = False
        else:
            label = Label.ESCALATION if side == ESCALATION else Label.DEESCALATION
            evidence = abs(net)
            mixed = min(totals.escalation, totals.deescalation) >= tuning.mixed_threshold
        confidence = 1.0 / (1.0 + math.exp(-(tuning.confidence_slope * evidence + tuning.confidence_offset)))
        ordered = _strongest_distinct(cues)
        return Verdict(
            label=label,
            score=round(score, 3),
            confidence=round(confidence, 3),
            mixed=mixed,
            cues=ordered,
        )


def _strongest_distinct(cues: tuple[Cue, ...]) -> tuple[Cue, ...]:
    """Cues strongest first, one per (phrase, language, category), at most MAX_CUES."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for cue in sorted(cues, key=lambda cue: -abs(cue.weight)):
        key = (cue.text.casefold(), cue.lang, cue.category)
        if key not in seen:
            seen.add(key)
            kept.append(cue)
    return tuple(kept[:MAX_CUES])
