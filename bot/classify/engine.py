"""Rule engine: find cue phrases in one text, apply scope rules, weigh the two sides.

A lexicon becomes one compiled regex whose alternatives are grouped by their first
letter (Python's `re` tries alternatives one by one, so grouping makes a 400-entry
lexicon about 15× faster). Each hit is then looked at inside its clause: a negation
shortly before it flips its side ("no intention to attack"), a conditional marker
damps it ("if they attack"), a hedge ("alleged") damps it a little. Negations that sit
inside another cue ("will not hesitate") belong to that cue and flip nothing.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.classify.lexicon import (
    BLOCKER,
    DEESCALATION,
    ESCALATION,
    CategorySet,
    CueEntry,
    Lexicon,
)
from bot.classify.patterns import alternation, spaced

_PUNCTUATION_BREAK = r"[.!?;:,،؛。！？؟۔।\n，；：、]|\s[-–—]\s"
_SENTENCE_BREAK = re.compile(r"[.!?。！？؟۔।\n]+(?=\s|$)|[。！？؟۔।\n]")


@dataclass(frozen=True)
class Hit:
    """One cue found in a text, after scope rules: what matched and what it now counts as."""

    entry: CueEntry
    text: str
    start: int
    category: str
    weight: float


@dataclass(frozen=True)
class SideTotals:
    escalation: float
    deescalation: float


class CompiledLexicon:
    """One language's lexicon turned into regexes, ready to scan texts."""

    def __init__(self, lexicon: Lexicon, categories: CategorySet) -> None:
        self.lexicon = lexicon
        self.categories = categories
        self._fold = str.maketrans({key: value for key, value in lexicon.fold.items()})
        self._deleted = frozenset(key for key, value in lexicon.fold.items() if value is None)
        start, end = (r"(?<!\w)", r"(?!\w)") if lexicon.word_boundaries else ("", "")
        cue_regex, entry_of_group = alternation(entry.pattern for entry in lexicon.cues)
        self._cues = re.compile(start + "(?:" + cue_regex + ")" + end)
        self._entries = {name: lexicon.cues[index] for name, index in entry_of_group.items()}
        self._modifiers = {
            kind: self._modifier_regex(kind, start, end)
            for kind in ("negation", "conditional", "hedge")
        }
        breaks = [spaced(m.pattern) for m in lexicon.modifiers if m.kind == "clause_break"]
        break_words = f"|{start}(?:{'|'.join(breaks)}){end}" if breaks else ""
        self._clause_break = re.compile(_PUNCTUATION_BREAK + break_words)
        self._contexts = [
            (
                re.compile(start + "(?:" + spaced(m.pattern) + ")"),
                categories.domains[m.domain or ""],
            )
            for m in lexicon.modifiers
            if m.kind == "context"
        ]

    def _modifier_regex(self, kind: str, start: str, end: str) -> re.Pattern[str] | None:
        patterns = [spaced(m.pattern) for m in self.lexicon.modifiers if m.kind == kind]
        if not patterns:
            return None
        return re.compile(
            start + "(?:" + "|".join(sorted(patterns, key=len, reverse=True)) + ")" + end
        )

    def normalise(self, text: str) -> tuple[str, list[int] | None]:
        """Folded lower-case text and, when characters were dropped, each one's original index."""
        folded = text.translate(self._fold).lower()
        if len(folded) == len(text):
            return folded, None
        if self._deleted and len(folded) != len(text):
            kept = [index for index, char in enumerate(text) if char not in self._deleted]
            if len(kept) == len(folded):
                return folded, kept
        return folded, None

    def find(self, text: str) -> list[Hit]:
        """Every cue in `text`, with negation, conditional and hedge scope applied."""
        folded, positions = self.normalise(text)
        matches = [m for m in self._cues.finditer(folded) if m.lastgroup is not None]
        if not matches:
            return []
        cue_spans = [m.span() for m in matches]
        voided = self._voided_spans(folded)
        hits = []
        for match in matches:
            entry = self._entries[match.lastgroup]  # type: ignore[index]
            category = self.categories.categories[entry.category]
            if category.side == BLOCKER or any(
                low <= match.start() < high and entry.category in blocked
                for low, high, blocked in voided
            ):
                continue
            start, end = match.span()
            if positions is not None:
                original = text[positions[start] : positions[end - 1] + 1]
            elif len(folded) == len(text):
                original = text[start:end]
            else:
                original = match.group(0)
            clause = self._clause_before(folded, start)
            hits.append(self._scoped(entry, original, start, clause, cue_spans))
        return hits

    def _voided_spans(self, folded: str) -> list[tuple[int, int, frozenset[str]]]:
        """Sentences that talk about sport, disasters, prices…, with the categories they void."""
        if not self._contexts:
            return []
        found = []
        for regex, blocked in self._contexts:
            found.extend((match.start(), blocked) for match in regex.finditer(folded))
        if not found:
            return []
        bounds = [0, *(m.end() for m in _SENTENCE_BREAK.finditer(folded)), len(folded)]
        spans = []
        for position, blocked in found:
            for low, high in itertools.pairwise(bounds):
                if low <= position < high:
                    spans.append((low, high, blocked))
                    break
        return spans

    def _clause_before(self, folded: str, position: int) -> tuple[str, int]:
        """The text from the start of the clause holding `position` up to it, and its offset."""
        clause_start = 0
        for boundary in self._clause_break.finditer(folded, 0, position):
            clause_start = boundary.end()
        return folded[clause_start:position], clause_start

    def _scoped(
        self,
        entry: CueEntry,
        original: str,
        start: int,
        clause: tuple[str, int],
        cue_spans: list[tuple[int, int]],
    ) -> Hit:
        tuning = self.categories.tuning
        side = self.categories.categories[entry.category].side
        category, weight = entry.category, entry.weight
        before, offset = clause
        if self._negated(before, offset, cue_spans):
            target = (
                tuning.negated_escalation if side == ESCALATION else tuning.negated_deescalation
            )
            category = target[0]
            weight = math.copysign(min(abs(entry.weight), abs(target[1])), target[1])
        conditional = self._modifiers["conditional"]
        if conditional is not None and conditional.search(before):
            weight *= tuning.conditional_factor
        hedge = self._modifiers["hedge"]
        if hedge is not None and hedge.search(before):
            weight *= tuning.hedge_factor
        return Hit(entry=entry, text=original, start=start, category=category, weight=weight)

    def _negated(self, before: str, offset: int, cue_spans: list[tuple[int, int]]) -> bool:
        """A negation close before the cue, not itself part of another cue."""
        negation = self._modifiers["negation"]
        if negation is None:
            return False
        for found in reversed(list(negation.finditer(before))):
            absolute_start = offset + found.start()
            if any(s <= absolute_start < e for s, e in cue_spans):
                continue
            gap = before[found.end() :]
            distance = len(gap.split()) if self.lexicon.scope_unit == "word" else len(gap.strip())
            return distance <= self.lexicon.negation_reach
        return False


def side_totals(hits: Iterable[Hit], decay: float) -> SideTotals:
    """Sum each side's weights strongest first, each further cue counting `decay` times less."""
    escalation = sorted((h.weight for h in hits if h.weight > 0), reverse=True)
    deescalation = sorted((-h.weight for h in hits if h.weight < 0), reverse=True)
    return SideTotals(
        escalation=sum(weight * decay**rank for rank, weight in enumerate(escalation)),
        deescalation=sum(weight * decay**rank for rank, weight in enumerate(deescalation)),
    )


def combine_totals(native: SideTotals, english: SideTotals, corroboration: float) -> SideTotals:
    """Translated and native evidence for one side: the stronger, plus a share of the weaker.

    Both readings usually see the same cue, so adding them would count it twice; the
    weaker reading only corroborates.
    """

    def merge(first: float, second: float) -> float:
        return max(first, second) + corroboration * min(first, second)

    return SideTotals(
        escalation=merge(native.escalation, english.escalation),
        deescalation=merge(native.deescalation, english.deescalation),
    )


def side_label(totals: SideTotals, neutral_threshold: float) -> str | None:
    """The stronger side, or None when neither reaches the neutral threshold."""
    if max(totals.escalation, totals.deescalation) < neutral_threshold:
        return None
    return ESCALATION if totals.escalation >= totals.deescalation else DEESCALATION
