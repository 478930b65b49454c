"""One fast regex for a whole lexicon.

Python's `re` tries the alternatives of `a|b|c` one after the other at every position
and keeps the first that matches. A lexicon of a few hundred phrases written that way
costs milliseconds per statement. Here every phrase is first expanded into variants
that start with plain letters (`(exercise|show) restraint` → two variants), the
variants' literal prefixes are merged into a character trie, and the trie is written
back as nested groups: at each word start the engine walks a few letters down one
branch instead of trying every phrase. Branches holding longer variants are tried
first, so the more specific phrase wins where two start at the same place; blockers
(conflict words in other senses) are tried before everything.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise

_REGEX_SPECIALS = set("\\[](){}.*+?^$|")
_QUANTIFIERS = set("?*+{")
_PREFERRED_RANK = 1_000_000
_GAP_WORD = "[\\w'’-]+(?:[.,]\\w+)* "


def spaced(pattern: str) -> str:
    """A literal space in a pattern matches any run of whitespace in the text.

    A skipped word (`\\w+ ` in a gap such as `(\\w+ ){0,3}`) may hold an apostrophe, a
    hyphen or a number's separators: "rejected Hamas's counter-proposal for a truce"
    skips four words, "exchanged 1,000 prisoners" one.
    """
    return pattern.replace(r"\w+ ", _GAP_WORD).replace(" ", r"\s+")


def _group_depths(pattern: str) -> Iterator[tuple[int, str, int]]:
    """(position, character, group depth after it) for the characters that shape groups:
    unescaped `(`, `)` and `|` outside character classes."""
    depth, escaped, in_class = 0, False, False
    for position, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()|":
            depth += {"(": 1, ")": -1, "|": 0}[char]
            yield position, char, depth


def uncaptured(pattern: str) -> str:
    """`pattern` with every group made non-capturing (`(a|b)` and `(?P<x>a)` → `(?:a)`).

    It matches exactly what `pattern` matches (cue patterns hold no backreferences), but
    Python's `re` records no group positions on the way: entering group number n clears
    the n slots below it, so in a lexicon regex of thousands of groups every phrase
    tried costs microseconds. Scanning is done without groups; only a found match is
    named (see `engine.CompiledLexicon._matches`).
    """
    out: list[str] = []
    depths = {position for position, char, _ in _group_depths(pattern) if char == "("}
    position = 0
    while position < len(pattern):
        if position in depths and pattern.startswith("(?P<", position):
            position = pattern.index(">", position) + 1
            out.append("(?:")
        elif position in depths and not pattern.startswith("(?", position):
            position += 1
            out.append("(?:")
        else:
            out.append(pattern[position])
            position += 1
    return "".join(out)


def _top_level_alternatives(pattern: str) -> list[str]:
    """`a|b(c|d)` → [`a`, `b(c|d)`]: each alternative can then be grouped by its first letter."""
    cuts = [position for position, char, depth in _group_depths(pattern) if char == "|" and depth == 0]
    bounds = [-1, *cuts, len(pattern)]
    return [pattern[start + 1 : stop] for start, stop in pairwise(bounds)]


def _closing_paren(pattern: str) -> int:
    """Index of the parenthesis closing the group that opens at index 0, or -1."""
    return next((position for position, char, depth in _group_depths(pattern) if char == ")" and depth == 0), -1)


def _expanded(alternative: str, limit: int = 48) -> list[str]:
    """`(a|b)c` → [`ac`, `bc`] (and `(a )?b` → [`a b`, `b`]) so each variant has a first letter.

    Python's `re` takes the first alternative that matches, not the longest; once every
    variant starts with a letter, sorting each letter's variants longest first makes the
    more specific phrase win. Gives up (returns the input) past `limit` variants.
    """
    if not alternative.startswith("(") or (alternative.startswith("(?") and not alternative.startswith("(?:")):
        return [alternative]
    close = _closing_paren(alternative)
    if close < 0:
        return [alternative]
    inner = alternative[1:close].removeprefix("?:")
    rest = alternative[close + 1 :]
    variants: list[str] = []
    if rest.startswith("?"):
        rest = rest[1:]
        variants.extend(_expanded(rest, limit) if rest else [])
    elif rest[:1] in ("*", "+", "{"):
        return [alternative]
    for option in _top_level_alternatives(inner):
        variants.extend(_expanded(option + rest, limit))
        if len(variants) > limit:
            return [alternative]
    return variants if all(variants) else [alternative]


def _literal_prefix(variant: str) -> tuple[str, str]:
    """Split a variant into its plain-letter start and the regex remainder."""
    position = 0
    while position < len(variant):
        char = variant[position]
        if char in _REGEX_SPECIALS:
            break
        if position + 1 < len(variant) and variant[position + 1] in _QUANTIFIERS:
            break
        position += 1
    return variant[:position], variant[position:]


@dataclass
class _TrieNode:
    children: dict[str, _TrieNode] = field(default_factory=dict)
    leaves: list[tuple[str, str, int]] = field(default_factory=list)  # (group name, remainder, rank)
    _rank: int | None = None

    def rank(self) -> int:
        """Highest rank of the variants below this node (cached: the trie is built once)."""
        if self._rank is None:
            self._rank = max(
                [rank for _, _, rank in self.leaves] + [1 + child.rank() for child in self.children.values()]
            )
        return self._rank

    def regex(self) -> str:
        """This subtree as a regex; branches holding higher-ranked variants are tried first."""
        branches = [
            (child.rank() + 1, (r"\s+" if char == " " else re.escape(char)) + child.regex())
            for char, child in sorted(self.children.items())
        ]
        branches += [(rank, f"(?P<{name}>{uncaptured(spaced(remainder))})") for name, remainder, rank in self.leaves]
        ordered = [text for _, text in sorted(branches, key=lambda branch: -branch[0])]
        return ordered[0] if len(ordered) == 1 and not self.leaves else f"(?:{'|'.join(ordered)})"


def alternation(patterns: Iterable[str], preferred: Collection[int] = ()) -> tuple[str, dict[str, int]]:
    """The trie regex for `patterns` and the map from its group names to pattern indexes.

    A variant's rank is its length; patterns whose index is in `preferred` outrank every
    other starting at the same place (blockers such as "launched an operation to
    evacuate" must beat "launched an operation").
    """
    # Two tries, the preferred one tried first: in one trie a failed blocker deep in a
    # branch ("launched … into the net") would fall back to a cue in the same branch
    # ("launched operation") before the blocker waiting higher up ("launch\w* … to evacuate").
    roots = {True: _TrieNode(), False: _TrieNode()}
    entry_of_group: dict[str, int] = {}
    for index, pattern in enumerate(patterns):
        variants = [variant for option in _top_level_alternatives(pattern) for variant in _expanded(option)]
        for number, variant in enumerate(variants):
            name = f"c{index}_{number}"
            entry_of_group[name] = index
            prefix, remainder = _literal_prefix(variant)
            node = roots[index in preferred]
            for char in prefix:
                node = node.children.setdefault(char, _TrieNode())
            rank = len(variant) + (_PREFERRED_RANK if index in preferred else 0)
            node.leaves.append((name, remainder, rank - len(prefix)))
    tries = [root.regex() for root in (roots[True], roots[False]) if root.children or root.leaves]
    return (tries[0] if len(tries) == 1 else f"(?:{'|'.join(tries)})"), entry_of_group
