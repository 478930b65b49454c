"""The lexicon trie: one groupless regex finds phrases, a walk down the trie names them.

The regex finds where a phrase starts; the walk names the phrase reading the most text
from there (blockers first, the longer pattern on a tie), across runs of whitespace.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.classify.patterns import CueTrie, _by_first_letter, spaced, uncaptured

DEV = Path(__file__).resolve().parents[1] / "data" / "classify" / "dev"
END = r"(?!\w)"


def _named(trie: CueTrie, text: str) -> list[tuple[str, str]]:
    """(matched text, name of the pattern's index) for every match of the trie's regex."""
    regex = re.compile(rf"(?<!\w)({trie.regex()}){END}")
    found = []
    position = 0
    while (match := regex.search(text, position)) is not None:
        named = trie.variant_at(text, match.start(1))
        assert named is not None, match.group()
        found.append((text[match.start(1) : named[1]], f"p{named[0].index}"))
        position = match.start() + 1
    return found


def test_the_longer_phrase_starting_at_the_same_place_is_named():
    trie = CueTrie(["attack", "attack(ed|s)? (\\w+ ){0,2}(army|police) (posts?|bases?)"], tail=END)
    assert _named(trie, "they attacked the army posts") == [("attacked the army posts", "p1")]
    assert _named(trie, "an attack on   the police\nbase at night") == [("attack on   the police\nbase", "p1")]
    assert _named(trie, "an attack at night") == [("attack", "p0")]


def test_the_longest_match_wins_over_the_longer_pattern_matching_less():
    # the first pattern is longer but reads one word here; the second reads the launch
    patterns = ["shells?( (of|from) (the )?(artillery|mortars?|tanks?|howitzers?))?", "shells? (\\w+ ){0,3}fired"]
    trie = CueTrie(patterns, tail=END)
    assert _named(trie, "shells were fired at dawn") == [("shells were fired", "p1")]
    assert _named(trie, "shells from the artillery") == [("shells from the artillery", "p0")]
    # reading the same text, the longer pattern (the one the regex tries first) is named
    tie = CueTrie(["ceasefire", "cease-?fire"], tail=END)
    variant, end = tie.variant_at("the ceasefire held", 4)
    assert (variant.index, end) == (1, len("the ceasefire"))


def test_a_preferred_pattern_wins_over_any_other_starting_where_it_does():
    patterns = ["launch\\w* (an |a )?operation", "launch\\w* (\\w+ ){0,3}to evacuate"]
    trie = CueTrie(patterns, preferred={1}, tail=END)
    assert _named(trie, "they launched an operation to evacuate civilians") == [
        ("launched an operation to evacuate", "p1")
    ]
    assert trie.variant_at("they launched an operation at dawn", 5, preferred=True)[0].index == 0
    # Without the preferred patterns, the other phrase is what was hidden there.
    assert trie.variant_at("launched an operation to evacuate", 0, preferred=False)[0].index == 0


def test_reading_stops_where_told():
    trie = CueTrie(["ceasefire", "ceasefire (talks|agreement)"], tail=END)
    text = "ceasefire talks resumed"
    assert trie.variant_at(text, 0)[0].index == 1
    assert trie.variant_at(text, 0, end=len("ceasefire"))[0].index == 0
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
    compiled on its own, matches where the phrase starts and ends where the walk says,
    never short of the regex's own match."""
    compiled = classifier.lexicons[lang]
    path = DEV / f"{lang}.jsonl" if lang != "he" else DEV.parent / "ko_he" / "ko_he.jsonl"
    items = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    texts = [item["text"] for item in items if item.get("lang", lang) == lang]
    checked = 0
    for text in texts:
        folded, _ = compiled.normalise(text)
        position = 0
        while (match := compiled._cue_spans.search(folded, position)) is not None:
            named = compiled._trie.variant_at(folded, match.start(1))
            assert named is not None, (lang, match.group())
            variant, end = named
            literal = "".join(r"\s+" if char == " " else re.escape(char) for char in variant.prefix)
            alone = re.compile(literal + f"(?:{uncaptured(spaced(variant.remainder))})" + compiled._trie._tail)
            found = alone.match(folded, match.start(1))
            assert found is not None and found.end() == end >= match.end(), (lang, match.group(), variant)
            checked += 1
            position = match.start() + 1
    assert checked > 20


def test_the_finding_regex_only_finds_and_naming_keeps_the_clause_break_rule():
    """The finding regex holds each alternative as written (once per first letter, see
    `_by_first_letter`) and lets gaps skip clause-break words (small and quick to compile);
    `variant_at` still refuses such a gap."""
    trie = CueTrie([r"(sanctions|embargo) (\w+ ){0,3}lifted"], unskipped=r"(?:but)(?!\w)")
    finder = re.compile(trie.regex())
    assert trie.regex().count("lifted") == 2 and "(?!" not in trie.regex()
    assert finder.match("sanctions were lifted") and trie.variant_at("sanctions were lifted", 0) is not None
    assert finder.match("sanctions but lifted")
    assert trie.variant_at("sanctions but lifted", 0) is None


@pytest.mark.parametrize(
    ("alternative", "filed"),
    [
        ("(attack(s)?|strike|shell) on", ["a(?:ttack(s)?) on", "s(?:trike|hell) on"]),
        ("((fresh|armed) )?attack", ["f(?:(?:resh) )attack", "a(?:(?:(?:rmed) )attack|ttack)"]),
        ("(?:ab|a)c", ["a(?:b|)c"]),
        ("truce", ["truce"]),
        ("(\\w+ )?troops", None),
        ("(raid|strike)*s", None),
        ("(raid|strike)?", None),
        ("(" + "|".join(f"{letter}x" for letter in "abcdefghij") + ")" + "y" * 40, None),  # too many copies
    ],
)
def test_an_alternative_starting_with_a_group_is_filed_under_its_first_letters(alternative, filed):
    assert _by_first_letter(alternative) == filed
    if filed is not None:
        text = "fresh attacks on, armed attack, a strike on, acc, truce, shell on"
        one = re.compile(uncaptured(alternative))
        each = re.compile("|".join(uncaptured(part) for part in filed))
        starts = range(len(text))
        assert [p for p in starts if one.match(text, p)] == [p for p in starts if each.match(text, p)]
