"""The lexicon trie: one groupless regex finds phrases, a walk down the trie names them.

The walk must name the phrase the regex itself took: the same first alternative, in the
regex's order (blockers first, longer phrases first), across runs of whitespace.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.classify.patterns import CueTrie, spaced, uncaptured

DEV = Path(__file__).resolve().parents[1] / "data" / "classify" / "dev"
END = r"(?!\w)"


def _named(trie: CueTrie, text: str) -> list[tuple[str, str]]:
    """(matched text, name of the pattern's index) for every match of the trie's regex."""
    regex = re.compile(rf"(?<!\w)({trie.regex()}){END}")
    found = []
    position = 0
    while (match := regex.search(text, position)) is not None:
        variant = trie.variant_at(text, match.start(1))
        assert variant is not None, match.group()
        found.append((match.group(), f"p{variant.index}"))
        position = match.start() + 1
    return found


def test_the_longer_phrase_starting_at_the_same_place_is_named():
    trie = CueTrie(["attack", "attack(ed|s)? (\\w+ ){0,2}(army|police) (posts?|bases?)"], tail=END)
    assert _named(trie, "they attacked the army posts") == [("attacked the army posts", "p1")]
    assert _named(trie, "an attack on   the police\nbase at night") == [("attack on   the police\nbase", "p1")]
    assert _named(trie, "an attack at night") == [("attack", "p0")]


def test_a_preferred_pattern_wins_over_any_other_starting_where_it_does():
    patterns = ["launch\\w* (an |a )?operation", "launch\\w* (\\w+ ){0,3}to evacuate"]
    trie = CueTrie(patterns, preferred={1}, tail=END)
    assert _named(trie, "they launched an operation to evacuate civilians") == [
        ("launched an operation to evacuate", "p1")
    ]
    assert trie.variant_at("they launched an operation at dawn", 5, preferred=True).index == 0
    # Without the preferred patterns, the other phrase is what was hidden there.
    assert trie.variant_at("launched an operation to evacuate", 0, preferred=False).index == 0


def test_reading_stops_where_told():
    trie = CueTrie(["ceasefire", "ceasefire (talks|agreement)"], tail=END)
    text = "ceasefire talks resumed"
    assert trie.variant_at(text, 0).index == 1
    assert trie.variant_at(text, 0, end=len("ceasefire")).index == 0
    assert trie.variant_at(text, 1) is None


def test_a_gap_skips_a_day_written_as_an_ordinal_but_not_a_year_ending_a_sentence():
    gap = re.compile(spaced("sanktionen (\\w+ ){0,4}aufgehoben"))
    assert gap.search("die sanktionen werden zum 1. märz aufgehoben")
    assert gap.search("die sanktionen werden am 15. juni aufgehoben")
    assert not gap.search("die sanktionen von 2024. aufgehoben")


def test_a_pattern_without_plain_letters_to_start_with_is_still_found():
    trie = CueTrie(["(\\w+ )?troops (were )?deployed", "\\d+ (soldiers|troops) killed"], tail=END)
    assert _named(trie, "some 40 soldiers killed") == [("40 soldiers killed", "p1")]
    assert _named(trie, "more troops were deployed") == [
        ("more troops were deployed", "p0"),
        ("troops were deployed", "p0"),
    ]


@pytest.mark.parametrize("lang", ["en", "it", "ar", "de", "he"])
def test_every_named_variant_matches_there_alone_to_the_same_end(classifier, lang):
    """Over the development texts (Hebrew: its own set), the variant named for each match,
    compiled on its own, matches where the phrase starts and ends where the match does:
    the walk and the regex agree."""
    compiled = classifier.lexicons[lang]
    path = DEV / f"{lang}.jsonl" if lang != "he" else DEV.parent / "ko_he" / "ko_he.jsonl"
    items = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    texts = [item["text"] for item in items if item.get("lang", lang) == lang]
    checked = 0
    for text in texts:
        folded, _ = compiled.normalise(text)
        position = 0
        while (match := compiled._cue_spans.search(folded, position)) is not None:
            variant = compiled._trie.variant_at(folded, match.start(1))
            assert variant is not None, (lang, match.group())
            literal = "".join(r"\s+" if char == " " else re.escape(char) for char in variant.prefix)
            alone = re.compile(literal + f"(?:{uncaptured(spaced(variant.remainder))})" + compiled._trie._tail)
            found = alone.match(folded, match.start(1))
            assert found is not None and found.end() == match.end(), (lang, match.group(), variant)
            checked += 1
            position = match.start() + 1
    assert checked > 20
