"""Negation scope: which cues a negation or an avoidance verb reaches.

Negations and avoidance verbs are found once per text and looked up per cue by bisect,
so "no attack " repeated 800 times costs 800 lookups, not 800 × 800 comparisons.
"""

from __future__ import annotations

import bisect
import re

from bot.classify.lexicon import Lexicon
from bot.classify.spans import SortedSpans

# A plain negation this close before an avoidance verb cancels it ("n'a pas cessé de").
_DOUBLE_NEGATION_REACH = 2
# A "word" longer than this ends any scope: negation reach is checked without splitting
# a whole clause (a 5 MB token must not be split per cue).
_MAX_WORD_CHARS = 40


class NegationScope:
    """One text's negations and avoidance verbs, ready to say whether a cue is negated."""

    def __init__(
        self, folded: str, modifiers: dict[str, re.Pattern[str] | None], lexicon: Lexicon, cues: SortedSpans
    ) -> None:
        """Negations and avoidance verbs that scope over cues, each kind in text order.

        One that is part of a cue ("will not hesitate") negates nothing. A negated
        avoidance verb ("has never ceased to call for") is an affirmation: neither reaches
        a cue. Found once per text, so each cue then looks them up with a bisect.
        """
        self._folded, self._lexicon, self._cues = folded, lexicon, cues
        found = {
            kind: [m.span() for m in regex.finditer(folded) if not cues.covers(m.start())]
            if (regex := modifiers[kind]) is not None
            else []
            for kind in ("negation", "avoidance")
        }
        negation_ends = [high for _, high in found["negation"]]
        cancelled: set[tuple[int, int]] = set()
        for low, high in found["avoidance"]:
            index = bisect.bisect_right(negation_ends, low) - 1
            # only the nearest few negations can be within reach of this verb
            for negation in found["negation"][max(index - 2, 0) : index + 1]:
                if self._within(negation[1], low, _DOUBLE_NEGATION_REACH) and not cues.any_within(negation[1], low):
                    cancelled.update((negation, (low, high)))
        self._spans = {kind: [span for span in spans if span not in cancelled] for kind, spans in found.items()}

    def _within(self, low: int, high: int, reach: int) -> bool:
        """`low`–`high` spans at most `reach` words (or characters, for `char` scope)."""
        if high - low > reach * _MAX_WORD_CHARS:
            return False
        gap = self._folded[low:high]
        return (len(gap.split()) if self._lexicon.scope_unit == "word" else len(gap.strip())) <= reach

    def negated(self, span: tuple[int, int], clause: tuple[int, int]) -> bool:
        """A negation close before the cue (or, in verb-final languages, close after it).

        Avoidance verbs reach further than plain negators: "avoid any step that could
        inflame tensions" is about the tensions. A negation with another cue between it
        and this cue belongs to that cue. Both stop at the clause's edge ("did not comment
        and launched missiles").
        """
        lexicon, cues = self._lexicon, self._cues
        for kind, reach in (("negation", lexicon.negation_reach), ("avoidance", lexicon.avoidance_reach)):
            spans = self._spans[kind]
            if not spans:
                continue
            index = bisect.bisect_right(spans, (span[0], span[0])) - 1
            while index >= 0 and spans[index][1] > span[0]:
                index -= 1
            if index >= 0:
                low, high = spans[index]
                if low >= clause[0] and self._within(high, span[0], reach) and not cues.any_within(high, span[0]):
                    return True
            if lexicon.negation_after:
                index = bisect.bisect_left(spans, (span[1], span[1]))
                if index < len(spans):
                    low, high = spans[index]
                    if (
                        high <= clause[1]
                        and self._within(span[1], low, lexicon.negation_after)
                        and not cues.any_within(span[1], low)
                    ):
                        return True
        return False
