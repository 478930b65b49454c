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
    spans: set[tuple[int, int, Context, bool]] = set()
    for position, domain, reach in found:
        sentence = bisect.bisect_right(bounds, position) - 1
        own = domain.borrows
        # a domain whose own events are no acts yields to armed actors in the sentence
        yields = math.isfinite(own)
        spans.add(
            (
                sentence,
                sentence + 1,
                Context(bounds[sentence], bounds[sentence + 1], domain.blocks, own, tuning.context_factor),
                yields,
            )
        )
        if reach:
            first, last = max(sentence - reach, 0), min(sentence + 1 + reach, len(bounds) - 1)
            limit = min(own, tuning.context_neighbour_limit)
            spans.add(
                (
                    first,
                    last,
                    Context(bounds[first], bounds[last], domain.blocks, limit, tuning.context_factor),
                    yields,
                )
            )
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
