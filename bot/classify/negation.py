"""Negation scope: which cues a negation, an avoidance verb or a denial reaches.

Modifiers are found once per text and looked up per cue by bisect, so "no attack "
repeated 800 times costs 800 lookups, not 800 × 800 comparisons.

Three kinds of scope, each language listing its own words:
- a negation flips a cue it closely precedes ("no attack": intent not to escalate);
- an avoidance verb flips from further away ("avoid any step that could inflame tensions"),
  and so does a negated intent word ("no intention at all of responding to any
  provocation", "ليس لدينا أي نية لشن أي هجوم"): what is not intended is avoided;
- a denial voids what it reaches ("denies that its jets bombed a hospital" is neither an
  attack nor a step back).
A negation also reaches across its whole clause (up to the avoidance reach) a cue of the
categories that read as "any attack": a negative-polarity object belongs to the negation
before it ("we do not want to see any aggression"), in every language.
"""

from __future__ import annotations

import bisect
import re

from bot.classify.lexicon import Lexicon
from bot.classify.spans import SortedSpans

# A plain negation this close before an avoidance verb cancels it ("n'a pas cessé de").
_DOUBLE_NEGATION_REACH = 2
# ...and, in verb-final languages, this close after it, per scope unit ("공격을 멈추지
# 않았다", "攻撃をやめようとしない"): few enough characters that "回避しなければならない"
# (must avoid) keeps its avoidance.
_DOUBLE_NEGATION_AFTER = {"word": 1, "char": 4}
# An avoidance verb reaches back `avoidance_after` only when it ends its clause, with at
# most this many words (or characters) of auxiliaries after it ("aufgehoben werden").
_FINAL_VERB_TAIL = {"word": 3, "char": 8}
# A "word" longer than this ends any scope: negation reach is checked without splitting
# a whole clause (a 5 MB token must not be split per cue).
_MAX_WORD_CHARS = 40
# What a cue in scope becomes: flipped to the other side, or voided.
NEGATED = "negated"
DENIED = "denied"
_KINDS = ("negation", "avoidance", "denial", "intent")


def _span_end_at(spans: SortedSpans, position: int) -> int:
    """Where the span holding `position` ends (-1 if none holds it)."""
    index = bisect.bisect_right(spans.starts, position) - 1
    return spans.ends[index] if index >= 0 and position < spans.ends[index] else -1


class NegationScope:
    """One text's negations, avoidance verbs and denials, ready to say whether a cue is in scope."""

    def __init__(
        self, folded: str, modifiers: dict[str, re.Pattern[str] | None], lexicon: Lexicon, cues: SortedSpans
    ) -> None:
        """Modifiers that scope over cues, each kind in text order.

        One that is part of a cue ("will not hesitate") negates nothing. A negated
        avoidance verb ("has never ceased to call for") is an affirmation: neither reaches
        a cue. A negated intent word ("no plans to") scopes like an avoidance verb.
        """
        self._folded, self._lexicon, self._cues = folded, lexicon, cues
        # A denial reaching past the cue that holds its verb ("דחתה | את הטענות", rejected
        # the accusations) is kept: that cue is its own word, which it voids (`scope`).
        found = {
            kind: [
                m.span()
                for m in regex.finditer(folded)
                if not cues.covers(m.start()) or (kind == "denial" and _span_end_at(cues, m.start()) < m.end())
            ]
            if (regex := modifiers.get(kind)) is not None
            else []
            for kind in _KINDS
        }
        # "played no part in": the negation inside a denial is the denial's own word
        denials = SortedSpans(found["denial"])
        found["negation"] = [span for span in found["negation"] if not denials.covers(span[0])]
        negation_ends = [high for _, high in found["negation"]]
        cancelled: set[tuple[int, int]] = set()
        for low, high in found["avoidance"]:
            negation = self._negation_before(found["negation"], negation_ends, low, _DOUBLE_NEGATION_REACH)
            if negation is None:
                negation = self._negation_fused_or_after(found["negation"], low, high)
            if negation is not None:
                cancelled.update((negation, (low, high)))
        # where the negator follows its verb, it may follow the intent word ("攻撃する意図はない")
        intended = [
            span
            for span in found["intent"]
            if self._negation_before(found["negation"], negation_ends, span[0], lexicon.negation_reach)
            or self._negation_following(found["negation"], span[1], lexicon.intent_negation_after)
        ]
        self._spans = {
            "negation": [span for span in found["negation"] if span not in cancelled],
            "avoidance": sorted([span for span in found["avoidance"] if span not in cancelled] + intended),
            "denial": found["denial"],
        }
        self._denials = denials

    def _negation_following(self, negations: list[tuple[int, int]], high: int, reach: int) -> tuple[int, int] | None:
        """The first negation after `high`, if it starts at most `reach` words (or
        characters) on, with no cue between."""
        if not reach:
            return None
        index = bisect.bisect_left(negations, (high, high))
        if (
            index < len(negations)
            and self._within(high, negations[index][0], reach)
            and not self._cues.any_within(high, negations[index][0])
        ):
            return negations[index]
        return None

    def _negation_before(
        self, negations: list[tuple[int, int]], ends: list[int], low: int, reach: int
    ) -> tuple[int, int] | None:
        """A negation (of `negations`, whose ends are `ends`) ending at most `reach` words
        before `low`, with no cue between."""
        index = bisect.bisect_right(ends, low) - 1
        # only the nearest few negations can be within reach
        for negation in reversed(negations[max(index - 2, 0) : index + 1]):
            if self._within(negation[1], low, reach) and not self._cues.any_within(negation[1], low):
                return negation
        return None

    def _negation_fused_or_after(self, negations: list[tuple[int, int]], low: int, high: int) -> tuple[int, int] | None:
        """A negation overlapping the avoidance verb at `low`–`high`, or (verb-final
        languages) closely after it with no cue between."""
        index = bisect.bisect_left(negations, (low, low))
        fused = next((n for n in negations[max(index - 1, 0) : index + 2] if n[0] < high and n[1] > low), None)
        if fused is not None or not self._lexicon.negation_after:
            return fused
        return self._negation_following(negations, high, _DOUBLE_NEGATION_AFTER[self._lexicon.scope_unit])

    def _within(self, low: int, high: int, reach: int) -> bool:
        """`low`–`high` spans at most `reach` words (or characters, for `char` scope)."""
        if high - low > reach * _MAX_WORD_CHARS:
            return False
        gap = self._folded[low:high]
        return (len(gap.split()) if self._lexicon.scope_unit == "word" else len(gap.strip())) <= reach

    def scope(self, span: tuple[int, int], clause: tuple[int, int], wide: bool = False) -> str | None:
        """NEGATED, DENIED or None for the cue at `span` in `clause`.

        A negation counts close before the cue (or, in verb-final languages, close after
        it; `wide`: anywhere before it in the clause, up to the avoidance reach), an
        avoidance verb or a denial from further away (in verb-final languages, after the
        cue as well); an avoidance verb that ends the clause also reaches back
        `avoidance_after` ("die Sanktionen gegen … werden mit sofortiger Wirkung aufgehoben",
        "von weiteren Angriffen Abstand zu nehmen"). A modifier with another cue between it
        and this cue belongs to that cue. All stop at the clause's edge ("did not comment and
        launched missiles"), unless their own words run over it ("отрицает, что"). A cue
        inside a denial is the denial's own word ("rejected the accusations").
        """
        if _span_end_at(self._denials, span[0]) >= span[1]:
            # the denial's own word ("rejected the accusations"): neither a condemnation nor a refusal
            return DENIED
        lexicon = self._lexicon
        negation_reach = lexicon.avoidance_reach if wide else lexicon.negation_reach
        # where negators follow the verb, avoidance verbs and denials follow what they reach
        verb_final = bool(lexicon.negation_after)
        for kind, reach, reach_after, result in (
            ("negation", negation_reach, lexicon.negation_after, NEGATED),
            ("avoidance", lexicon.avoidance_reach, verb_final and lexicon.avoidance_reach, NEGATED),
            ("denial", lexicon.denial_reach, verb_final and lexicon.denial_reach, DENIED),
        ):
            spans = self._spans[kind]
            if spans and (
                self._before(spans, span, clause, reach)
                or self._after(spans, span, clause, reach_after)
                or (kind == "avoidance" and self._after(spans, span, clause, lexicon.avoidance_after, final=True))
            ):
                return result
        return None

    def _before(self, spans: list[tuple[int, int]], span: tuple[int, int], clause: tuple[int, int], reach: int) -> bool:
        index = bisect.bisect_right(spans, (span[0], span[0])) - 1
        while index >= 0 and spans[index][1] > span[0]:
            index -= 1
        if index < 0:
            return False
        high = spans[index][1]
        # one whose own words run over the clause's edge (", что", "Vorwürfe,") opens this
        # clause; one that is the edge ("olmadıkça") does not
        opens = high > clause[0] or (high == clause[0] and not self._folded[high - 1].isalnum())
        return opens and self._within(high, span[0], reach) and not self._cues.any_within(high, span[0])

    def _after(
        self,
        spans: list[tuple[int, int]],
        span: tuple[int, int],
        clause: tuple[int, int],
        reach: int,
        final: bool = False,
    ) -> bool:
        """The first modifier after the cue lies within `reach` of it, in its clause, with no
        cue between (and, if `final`, ends the clause but for a few auxiliaries)."""
        if not reach:
            return False
        index = bisect.bisect_left(spans, (span[1], span[1]))
        if index >= len(spans):
            return False
        low, high = spans[index]
        return (
            high <= clause[1]
            and self._within(span[1], low, reach)
            and not self._cues.any_within(span[1], low)
            and (not final or self._within(high, clause[1], _FINAL_VERB_TAIL[self._lexicon.scope_unit]))
        )
