"""Positions in a text the engine asks about per cue, answered by bisect (never a scan).

Every question here — which context stretch holds this cue, does a cue cover this
position, where does this cue's clause start — is asked once per cue, so each must cost
a logarithm, not a pass over the text: that is what keeps classification linear.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass


@dataclass(frozen=True)
class Context:
    """A stretch of text whose subject damps cues of `blocked` kinds weaker than `below`
    (armed-only acts, like shelling, weaker than `armed_below`)."""

    low: int
    high: int
    blocked: frozenset[str]
    below: float
    factor: float
    armed_below: float


class ContextIndex:
    """Context stretches filed by sentence, so a cue looks only at its own sentence's few."""

    def __init__(self, bounds: list[int], by_sentence: dict[int, list[Context]]) -> None:
        self._bounds = bounds
        self._by_sentence = by_sentence

    def __bool__(self) -> bool:
        """Whether any stretch of the text talks about another subject (after armed actors
        claimed theirs)."""
        return bool(self._by_sentence)

    def factor(self, position: int, category: str, weight: float, armed: bool = False) -> float:
        """How much of a cue's weight survives its context (1.0: none applies, 0.0: void);
        `armed`: the cue names an act only armed actors commit."""
        if not self._by_sentence:
            return 1.0
        sentence = bisect.bisect_right(self._bounds, position) - 1
        factors = [
            span.factor
            for span in self._by_sentence.get(sentence, ())
            if span.low <= position < span.high
            and category in span.blocked
            and abs(weight) < (span.armed_below if armed else span.below)
        ]
        return min(factors, default=1.0)


NO_CONTEXT = ContextIndex([0], {})


class SortedSpans:
    """Cue spans in text order (starts and ends both ascend: `_matches` keeps a later match
    only if it reaches further), so containment questions take a bisect, not a scan."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts = [low for low, _ in spans]
        self.ends = [high for _, high in spans]

    def covers(self, position: int) -> bool:
        """Some cue holds `position` (the last one starting at or before it reaches furthest)."""
        index = bisect.bisect_right(self.starts, position) - 1
        return index >= 0 and position < self.ends[index]

    def any_within(self, low: int, high: int) -> bool:
        """Some cue lies wholly inside `low`–`high` (the first starting there ends soonest)."""
        index = bisect.bisect_left(self.starts, low)
        return index < len(self.starts) and self.ends[index] <= high


def clause_around(breaks: list[tuple[int, int]], start: int, end: int, length: int) -> tuple[int, int]:
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
