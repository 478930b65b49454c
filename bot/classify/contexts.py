"""Context stretches: which sentences a sport, price or disaster word damps, and which
sentences armed actors claim for armed conflict (see `CompiledLexicon._context_index`)."""

from __future__ import annotations

import bisect
import math
import re

from bot.classify.lexicon import Domain, Tuning
from bot.classify.spans import Context, ContextIndex

# The context domain whose words are armed actors and weapons: its sentences are about
# armed conflict, so the other domains' words there are incidental (see `anchored_sentences`).
ARMED_CONFLICT = "armed_conflict"
# A full stop after an abbreviation or an initial ("etc.", "Mr.", "U.S.") ends no sentence.
_ABBREVIATION = r"(?<!\betc)(?<!\bmr)(?<!\bmrs)(?<!\bms)(?<!\bdr)(?<!\bst)(?<!\bno)(?<!\bvs)(?<!\b\w)"
_SENTENCE_BREAK = re.compile(_ABBREVIATION + r"[.!?。！？؟۔।\n]+(?=\s|$)|[。！？؟۔।\n]")


def stretches(
    folded: str, found: list[tuple[int, Domain, int]], anchors: re.Pattern[str] | None, tuning: Tuning
) -> ContextIndex:
    """The stretches the context words `found` (position, domain, reach) damp, by sentence."""
    bounds = [0, *(m.end() for m in _SENTENCE_BREAK.finditer(folded)), len(folded)]
    anchored = anchored_sentences(folded, bounds, anchors)
    # (first sentence, last, stretch, whether it yields to armed actors in a sentence)
    spans: set[tuple[int, int, Context, bool]] = set()
    for position, domain, reach in found:
        sentence = bisect.bisect_right(bounds, position) - 1
        first, last = max(sentence - reach, 0), min(sentence + 1 + reach, len(bounds) - 1)
        # its own events it damps at any strength, beside armed actors too; the words it
        # only borrows yield to armed actors in the sentence
        parts = ((domain.own_acts, math.inf, False), (domain.blocks - domain.own_acts, domain.borrows, True))
        for blocked, below, yields in parts:
            if not blocked:
                continue
            # no storm shells a town: a natural hazard's own events damp no armed-only act
            armed_below = 0.0 if domain.natural and not yields else below
            own = Context(bounds[sentence], bounds[sentence + 1], blocked, below, tuning.context_factor, armed_below)
            spans.add((sentence, sentence + 1, own, yields))
            if reach:
                limit = min(below, tuning.context_neighbour_limit)
                around = Context(
                    bounds[first], bounds[last], blocked, limit, tuning.context_factor, min(armed_below, limit)
                )
                spans.add((first, last, around, yields))
    by_sentence: dict[int, list[Context]] = {}
    for first, last, span, yields in spans:
        for sentence in range(first, last):
            if not (yields and sentence in anchored):
                by_sentence.setdefault(sentence, []).append(span)
    return ContextIndex(bounds, by_sentence)


def anchored_sentences(folded: str, bounds: list[int], anchors: re.Pattern[str] | None) -> set[int]:
    """Sentences that name armed actors or weapons (troops, militia, artillery).

    Their conflict words are about armed conflict whatever else the sentence mentions
    ("heatwave or not, the militia shelled the water plant"; "between innings, the air
    force bombed hideouts"): sport, prices or health there are incidental and damp
    nothing. Domains whose own events are acts (troops deployed to rescue flood
    victims, a battle's anniversary) still do.
    """
    if anchors is None:
        return set()
    return {bisect.bisect_right(bounds, match.start()) - 1 for match in anchors.finditer(folded)}
