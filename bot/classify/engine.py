"""Rule engine: find cue phrases in one text, apply scope rules, weigh the two sides.

A lexicon becomes one compiled regex (a trie of its phrases, see `patterns`). Each hit
is then looked at inside its clause: a negation shortly before it (or after it, in
verb-final languages) flips its side ("no intention to attack"), an avoidance verb does
the same from further away ("avoid any step that could inflame tensions"), a
conditional marker damps it ("if they attack"), a hedge ("alleged", "concerned about")
damps a reported act a little, and a stretch of sentences about sport, disasters or
prices voids the conflict words it borrows. Negations that sit inside another cue ("will
not hesitate") belong to that cue and flip nothing.

Long texts then add up: each side's cues strongest first with decay, a side of weak
words only counting part of its sum, and a ceasefire or talks that the text rejects or
reports violated counting as its subject rather than as an act (`side_totals`).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.classify.lexicon import (
    BLOCKER,
    DEESCALATION,
    ESCALATION,
    CategorySet,
    CueEntry,
    Lexicon,
    Tuning,
)
from bot.classify.patterns import alternation, spaced

_PUNCTUATION_BREAK = r"[.!?;:,،؛。！？؟۔।\n，；：、]|\s[-–—]\s"
# A letter for word-edge purposes: \w misses the vowel signs of Indic scripts and
# Arabic-script marks, which would otherwise count as word edges inside a word. The
# Devanagari danda and double danda (U+0964, U+0965) end sentences: they are no letters.
_LETTER = r"[\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0963\u0966-\u0dff\u200c\u200d]"
_WORD_START = rf"(?<!{_LETTER})"
_WORD_END = rf"(?!{_LETTER})"
# A plain negation this close before an avoidance verb cancels it ("n'a pas cessé de").
_DOUBLE_NEGATION_REACH = 2
# Quotation marks and how far before a context word a hedge ("so-called") is looked for.
_OPENING_QUOTES = frozenset("「『“\"«‘'")
_HEDGE_GAP = 12
# A full stop after an abbreviation or an initial ("etc.", "Mr.", "U.S.") ends no sentence.
_ABBREVIATION = r"(?<!\betc)(?<!\bmr)(?<!\bmrs)(?<!\bms)(?<!\bdr)(?<!\bst)(?<!\bno)(?<!\bvs)(?<!\b\w)"
_SENTENCE_BREAK = re.compile(_ABBREVIATION + r"[.!?。！？؟۔।\n]+(?=\s|$)|[。！？؟۔।\n]")


@dataclass(frozen=True)
class Hit:
    """One cue found in a text, after scope rules: what matched and what it now counts as."""

    entry: CueEntry
    text: str
    start: int
    category: str
    weight: float


@dataclass(frozen=True)
class _Voided:
    """A stretch of text whose subject voids cues of `blocked` kinds weaker than `below`."""

    low: int
    high: int
    blocked: frozenset[str]
    below: float


def _is_voided(voided: list[_Voided], position: int, category: str, weight: float) -> bool:
    return any(
        span.low <= position < span.high and category in span.blocked and abs(weight) < span.below for span in voided
    )


@dataclass(frozen=True)
class SideTotals:
    """Evidence for each side, and the strongest side of the strongest single reading.

    `peak` decides neutral vs not: two readings of one weak cue (the original and its
    translation) corroborate each other but do not make it strong.
    """

    escalation: float
    deescalation: float
    peak: float

    def scaled(self, factor: float) -> SideTotals:
        return SideTotals(self.escalation * factor, self.deescalation * factor, self.peak * factor)


class CompiledLexicon:
    """One language's lexicon turned into regexes, ready to scan texts."""

    def __init__(self, lexicon: Lexicon, categories: CategorySet) -> None:
        self.lexicon = lexicon
        self.categories = categories
        self._fold = str.maketrans(lexicon.fold)
        self._deleted = frozenset(key for key, value in lexicon.fold.items() if value is None)
        start = _WORD_START if lexicon.word_boundaries else ""
        end = _WORD_END if lexicon.word_end else ""
        # Modifier words (negations, "if", "but") are whole words even where cues take suffixes.
        whole_word = _WORD_END if lexicon.word_boundaries else ""
        blockers = {
            index for index, entry in enumerate(lexicon.cues) if categories.categories[entry.category].side == BLOCKER
        }
        cue_regex, entry_of_group = alternation((entry.pattern for entry in lexicon.cues), blockers)
        clitic = f"(?:{lexicon.clitic_prefix})?" if lexicon.clitic_prefix else ""
        self._cues = re.compile(start + clitic + "(?:" + cue_regex + ")" + end)
        self._entries = {name: lexicon.cues[index] for name, index in entry_of_group.items()}
        self._modifiers = {
            kind: self._modifier_regex(kind, start, whole_word)
            for kind in ("negation", "avoidance", "conditional", "hedge")
        }
        breaks = [spaced(m.pattern) for m in lexicon.modifiers if m.kind == "clause_break"]
        break_words = f"|{start}(?:{'|'.join(breaks)}){whole_word}" if breaks else ""
        self._clause_break = re.compile(_PUNCTUATION_BREAK + break_words)
        self._contexts = [
            (
                re.compile(start + "(?:" + spaced(m.pattern) + ")"),
                categories.domains[m.domain or ""],
                categories.domain_reach.get(m.domain or "", categories.tuning.context_reach),
            )
            for m in lexicon.modifiers
            if m.kind == "context"
        ]

    def _modifier_regex(self, kind: str, start: str, end: str) -> re.Pattern[str] | None:
        patterns = [spaced(m.pattern) for m in self.lexicon.modifiers if m.kind == kind]
        if not patterns:
            return None
        return re.compile(start + "(?:" + "|".join(sorted(patterns, key=len, reverse=True)) + ")" + end)

    def normalise(self, text: str) -> tuple[str, list[int] | None]:
        """Folded lower-case text and, when characters were dropped, each one's original index."""
        folded = text.translate(self._fold).lower()
        if len(folded) == len(text) or not self._deleted:
            return folded, None
        kept = [index for index, char in enumerate(text) if char not in self._deleted]
        return folded, kept if len(kept) == len(folded) else None

    def find(self, text: str) -> list[Hit]:
        """Every cue in `text`, with negation, conditional and hedge scope applied."""
        folded, positions = self.normalise(text)
        matches = self._matches(folded)
        if not matches:
            return []
        cue_spans = [m.span() for m in matches]
        idiom_categories = self.categories.tuning.idiom_categories
        idiom_spans = [
            match.span()
            for match in matches
            if self._entries[match.lastgroup].category in idiom_categories  # type: ignore[index]
        ]
        voided = self._voided_spans(folded, idiom_spans)
        breaks = [boundary.span() for boundary in self._clause_break.finditer(folded)]
        hits = []
        for match in matches:
            entry = self._entries[match.lastgroup]  # type: ignore[index]
            category = self.categories.categories[entry.category]
            if category.side == BLOCKER or _is_voided(voided, match.start(), entry.category, entry.weight):
                continue
            start, end = match.span()
            if positions is not None:
                original = text[positions[start] : positions[end - 1] + 1]
            elif len(folded) == len(text):
                original = text[start:end]
            else:
                original = match.group(0)
            clause = _clause_around(breaks, start, end, len(folded))
            hit = self._scoped(entry, original, folded, (start, end), clause, cue_spans)
            # A negated cue counts as its new kind, which the sentence's subject may void too.
            if not _is_voided(voided, start, hit.category, entry.weight):
                hits.append(hit)
        return hits

    def _matches(self, folded: str) -> list[re.Match[str]]:
        """Cue matches left to right; one starting inside another is kept if it reaches further.

        "Chiediamo un cessate il fuoco": the appeal pattern swallows "cessate", yet the
        ceasefire itself must still count. A match wholly inside another is the outer
        phrase's own word ("no intention to attack") and adds nothing.
        """
        matches: list[re.Match[str]] = []
        position, reached = 0, 0
        while (match := self._cues.search(folded, position)) is not None:
            if match.end() > reached and match.lastgroup is not None:
                matches.append(match)
                reached = match.end()
            position = match.start() + 1
        return matches

    def _voided_spans(self, folded: str, idiom_spans: list[tuple[int, int]]) -> list[_Voided]:
        """Stretches that talk about sport, disasters, prices…, with the categories they void.

        A context word voids its own sentence and `context_reach` sentences either side
        (its domain may set another reach): a long text names its subject once ("the 85th
        anniversary of the victory") and tells the story around it ("the enemy was routed
        in fierce battles"). Beyond its own sentence it voids only the ambiguous words
        (weaker than `context_neighbour_limit`): "Russia launched 40 missiles at our cities"
        stays an attack next to a sentence about energy prices. A context word in
        quotation marks or after a hedge (a "satellite", a so-called satellite) is the
        other side's claim and sets no context, nor does one inside a threat idiom ("will
        pay a heavy price" is not economics).
        """
        if not self._contexts:
            return []
        hedge = self._modifiers["hedge"]
        found = []
        for regex, blocked, reach in self._contexts:
            for match in regex.finditer(folded):
                before = folded[max(match.start() - _HEDGE_GAP, 0) : match.start()]
                quoted = before[-1:] in _OPENING_QUOTES
                inside_cue = any(low <= match.start() < high for low, high in idiom_spans)
                if not quoted and not inside_cue and not (hedge is not None and hedge.search(before)):
                    found.append((match.start(), blocked, reach))
        if not found:
            return []
        bounds = [0, *(m.end() for m in _SENTENCE_BREAK.finditer(folded)), len(folded)]
        limit = self.categories.tuning.context_neighbour_limit
        spans = []
        for position, blocked, reach in found:
            sentence = bisect.bisect_right(bounds, position) - 1
            spans.append(_Voided(bounds[sentence], bounds[sentence + 1], blocked, math.inf))
            if reach:
                last = min(sentence + 1 + reach, len(bounds) - 1)
                spans.append(_Voided(bounds[max(sentence - reach, 0)], bounds[last], blocked, limit))
        return spans

    def _scoped(
        self,
        entry: CueEntry,
        original: str,
        folded: str,
        span: tuple[int, int],
        clause: tuple[int, int],
        cue_spans: list[tuple[int, int]],
    ) -> Hit:
        """The hit as it counts in its clause: negated, conditional or hedged."""
        tuning = self.categories.tuning
        side = self.categories.categories[entry.category].side
        category, weight = entry.category, entry.weight
        before = folded[clause[0] : span[0]]
        if self._negated(folded, span, clause, cue_spans):
            target = tuning.negated_escalation if side == ESCALATION else tuning.negated_deescalation
            category = target[0]
            # Negating even a weak word ("not at war") states a posture: meet halfway.
            weight = math.copysign(min(abs(target[1]), (abs(entry.weight) + abs(target[1])) / 2), target[1])
        conditional = self._modifiers["conditional"]
        if conditional is not None and category not in tuning.undamped_by_conditionals and conditional.search(before):
            weight *= tuning.conditional_factor
        hedge = self._modifiers["hedge"]
        if weight > 0 and hedge is not None and hedge.search(before):
            # Doubt and concern ("alleged", "deeply concerned about reports of") weaken a
            # reported act, not the speaker's own appeal that follows.
            weight *= tuning.hedge_factor
        return Hit(entry=entry, text=original, start=span[0], category=category, weight=weight)

    def _distance(self, gap: str) -> int:
        return len(gap.split()) if self.lexicon.scope_unit == "word" else len(gap.strip())

    def _negated(
        self,
        folded: str,
        span: tuple[int, int],
        clause: tuple[int, int],
        cue_spans: list[tuple[int, int]],
    ) -> bool:
        """A negation close before the cue (or, in verb-final languages, close after it).

        Avoidance verbs reach further than plain negators: "avoid any step that could
        inflame tensions" is about the tensions. A negation that is part of another cue
        ("will not hesitate") negates nothing, and one with another cue between it and
        this cue belongs to that cue.
        """

        def free(found: re.Match[str]) -> bool:
            return not any(low <= found.start() < high for low, high in cue_spans)

        def reaches(low: int, high: int) -> bool:
            return not any(low <= cue_start and cue_end <= high for cue_start, cue_end in cue_spans)

        found_before = {
            kind: [found for found in regex.finditer(folded, clause[0], span[0]) if free(found)]
            if (regex := self._modifiers[kind]) is not None
            else []
            for kind in ("negation", "avoidance")
        }
        # A negated avoidance verb ("has never ceased to call for") is an affirmation:
        # neither the negation nor the avoidance verb reaches the cue.
        pairs = [
            (negation, avoidance)
            for negation in found_before["negation"]
            for avoidance in found_before["avoidance"]
            if negation.end() <= avoidance.start()
            and self._distance(folded[negation.end() : avoidance.start()]) <= _DOUBLE_NEGATION_REACH
        ]
        cancelled = {id(found) for pair in pairs for found in pair}
        lexicon = self.lexicon
        for kind, reach in (("negation", lexicon.negation_reach), ("avoidance", lexicon.avoidance_reach)):
            regex = self._modifiers[kind]
            if regex is None:
                continue
            before = [found for found in found_before[kind] if id(found) not in cancelled]
            if (
                before
                and self._distance(folded[before[-1].end() : span[0]]) <= reach
                and reaches(before[-1].end(), span[0])
            ):
                return True
            if lexicon.negation_after:
                after = next((found for found in regex.finditer(folded, span[1], clause[1]) if free(found)), None)
                if (
                    after
                    and self._distance(folded[span[1] : after.start()]) <= lexicon.negation_after
                    and reaches(span[1], after.start())
                ):
                    return True
        return False


def _clause_around(breaks: list[tuple[int, int]], start: int, end: int, length: int) -> tuple[int, int]:
    """Start and end of the clause holding the cue at `start`–`end`, given the break spans."""
    before = bisect.bisect_right(breaks, (start, start)) - 1
    clause_start = 0
    while before >= 0:
        if breaks[before][1] <= start:
            clause_start = breaks[before][1]
            break
        before -= 1
    after = bisect.bisect_left(breaks, (end, end))
    return clause_start, breaks[after][0] if after < len(breaks) else length


def side_totals(hits: Iterable[Hit], tuning: Tuning) -> SideTotals:
    """Sum each side's weights strongest first, each further cue counting `decay` times less.

    A lexicon entry counts once (its strongest hit): repeating a word is not new evidence.
    A side made only of weak cues reaches the neutral threshold with a share of its sum.
    """
    strongest: dict[tuple[str, bool], float] = {}
    for hit in _topics_absorbed(list(hits), tuning):
        key = (hit.entry.id, hit.weight > 0)
        strongest[key] = max(strongest.get(key, 0.0), abs(hit.weight))
    escalation = sorted((weight for (_, positive), weight in strongest.items() if positive), reverse=True)
    deescalation = sorted((weight for (_, positive), weight in strongest.items() if not positive), reverse=True)
    escalation_total = sum(weight * tuning.decay**rank for rank, weight in enumerate(escalation))
    deescalation_total = sum(weight * tuning.decay**rank for rank, weight in enumerate(deescalation))

    def reach(total: float, weights: list[float]) -> float:
        return total if weights and weights[0] >= tuning.strong_cue else total * tuning.weak_side_factor

    peak = max(reach(escalation_total, escalation), reach(deescalation_total, deescalation))
    return SideTotals(escalation_total, deescalation_total, peak)


def _topics_absorbed(hits: list[Hit], tuning: Tuning) -> list[Hit]:
    """A ceasefire or talks that the text rejects or reports violated are its subject, not acts."""
    if not any(hit.category in tuning.topic_setters and hit.weight >= tuning.topic_setter_weight for hit in hits):
        return hits
    return [
        replace(hit, weight=hit.weight * tuning.topic_factor)
        if hit.category in tuning.topic_categories and hit.weight < 0
        else hit
        for hit in hits
    ]


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
        peak=max(native.peak, english.peak),
    )


def side_label(totals: SideTotals, neutral_threshold: float) -> str | None:
    """The stronger side, or None when no single reading reaches the neutral threshold."""
    if totals.peak < neutral_threshold:
        return None
    return ESCALATION if totals.escalation >= totals.deescalation else DEESCALATION
