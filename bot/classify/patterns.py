"""One fast regex for a whole lexicon.

Python's `re` tries the alternatives of `a|b|c` one after the other at every position
and keeps the first that matches. A lexicon of a few hundred phrases written that way
costs milliseconds per statement. Here every phrase is first expanded into variants
that start with plain letters (`(exercise|show) restraint` → two variants), the
variants' literal prefixes are merged into a character trie, and the trie is written
back as nested groups: at each word start the engine walks a few letters down one
branch instead of trying every phrase. The regex only finds where a phrase starts;
`CueTrie.variant_at` then names the phrase reading the most text from there (the longer
pattern on a tie); blockers (conflict words in other senses) are tried before everything.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

_REGEX_SPECIALS = set("\\[](){}.*+?^$|")
_QUANTIFIERS = set("?*+{")
_PREFERRED_RANK = 1_000_000
# Filing an alternative under its first letters copies what follows its first group once
# per letter; past this many characters of copies, compiling them (once per process) costs
# more than they save in a few thousand statements (all of English's: 2.7 s of compiling
# more for all languages, 0.46 ms less per statement; up to 300: 1.3 s, 0.27 ms).
_MOST_COPIED = 300
_GAP_WORD = "(?:\\d{1,2}\\.|[\\w'’-]+(?:[.,]\\w+)*) "


def spaced(pattern: str, unskipped: str = "") -> str:
    """A literal space in a pattern matches any run of whitespace in the text.

    A skipped word (`\\w+ ` in a gap such as `(\\w+ ){0,3}`) may hold an apostrophe, a
    hyphen or a number's separators: "rejected Hamas's counter-proposal for a truce"
    skips four words, "exchanged 1,000 prisoners" one, and a day written as an ordinal
    ("zum 1. März aufgehoben") two. A gap never skips a word matching `unskipped` (a
    regex; the engine passes its language's clause-break words).
    """
    gap = f"(?!{unskipped}){_GAP_WORD}" if unskipped else _GAP_WORD
    return pattern.replace(r"\w+ ", gap).replace(" ", r"\s+")


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
    more specific phrase win where two matches end at the same place. Gives up (returns
    the input) past `limit` variants.
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


def _by_first_letter(alternative: str) -> list[str] | None:
    """`alternative` as one regex per first letter, each starting with that letter:
    `(attack(s)?|strike|shell) on` → [`a(?:ttack(s)?) on`, `s(?:trike|hell) on`].

    The finding regex tries a phrase that starts with a group at every word start, and
    English has hundreds: filed under their first letters, each is tried only where its
    letter is. Unlike `_expanded`, what follows the group is written once per letter, not
    once per alternative. None when some alternative starts with no plain letter (`\\w+`),
    or when the copies would add more than `_MOST_COPIED` characters to the regex.
    """
    tails = _tails_by_letter(alternative)
    if tails is None:
        return None
    found = [letter + (tail[0] if len(tail) == 1 else f"(?:{'|'.join(tail)})") for letter, tail in tails.items()]
    return found if sum(map(len, found)) - len(alternative) <= _MOST_COPIED else None


def _tails_by_letter(alternative: str) -> dict[str, list[str]] | None:
    """First letter → what may follow it, each a whole regex: the alternatives of
    `alternative` starting with that letter, without it."""
    prefix, _ = _literal_prefix(alternative)
    if prefix:
        return {prefix[0]: [alternative[1:]]}
    if not alternative.startswith("(") or (alternative.startswith("(?") and not alternative.startswith("(?:")):
        return None
    close = _closing_paren(alternative)
    if close < 0:
        return None
    rest = alternative[close + 1 :]
    optional = rest.startswith("?")
    rest = rest.removeprefix("?")
    if rest[:1] in ("?", "*", "+", "{") or (optional and not rest):
        return None
    grouped: dict[str, list[str]] = {}
    for option in _top_level_alternatives(alternative[1:close].removeprefix("?:")):
        tails = _tails_by_letter(option)
        if tails is None:
            return None
        for letter, options in tails.items():
            grouped.setdefault(letter, []).extend(options)
    found = {letter: [f"(?:{'|'.join(options)}){rest}"] for letter, options in grouped.items()}
    if optional:  # the group left out: what follows it starts the phrase
        skipped = _tails_by_letter(rest)
        if skipped is None:
            return None
        for letter, options in skipped.items():
            found.setdefault(letter, []).extend(options)
    return found


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


@cache
def _compiled(source: str) -> re.Pattern[str]:
    """A leaf's regex, compiled once per process: many leaves (of several languages) share
    theirs ("", "s?", a gap before "ceasefire"), and compiling them was a third of the first
    pass over a language's statements (`re`'s own cache keeps only 512)."""
    return re.compile(source)


@dataclass(frozen=True)
class Variant:
    """One phrase variant at a trie leaf: its name (`c<pattern index>_<number>`), its
    pattern's index, its plain-letter start (the path to the leaf) and the regex after it."""

    name: str
    index: int
    prefix: str
    remainder: str
    rank: int


@dataclass
class _TrieNode:
    children: dict[str, _TrieNode] = field(default_factory=dict)
    leaves: list[Variant] = field(default_factory=list)
    _rank: int | None = None
    _ordered: list[tuple[str, _TrieNode] | Variant] | None = None
    _steps: list[tuple[str, _TrieNode] | Variant] | None = None
    _steps_by_char: dict[str, list[tuple[str, _TrieNode] | Variant]] = field(default_factory=dict)

    def rank(self) -> int:
        """Highest rank of the variants below this node (cached: the trie is built once)."""
        if self._rank is None:
            self._rank = max(
                [leaf.rank for leaf in self.leaves] + [1 + child.rank() for child in self.children.values()]
            )
        return self._rank

    def ordered(self) -> list[tuple[str, _TrieNode] | Variant]:
        """Child branches and leaves in the order the regex tries them: higher rank first."""
        if self._ordered is None:
            branches: list[tuple[int, tuple[str, _TrieNode] | Variant]] = [
                (child.rank() + 1, (char, child)) for char, child in sorted(self.children.items())
            ]
            branches += [(leaf.rank, leaf) for leaf in self.leaves]
            self._ordered = [branch for _, branch in sorted(branches, key=lambda branch: -branch[0])]
        return self._ordered

    def steps(self) -> list[tuple[str, _TrieNode] | Variant]:
        """`ordered`, with each chain of letters that neither branches nor holds a leaf (nor
        a space) as one string: the walk compares a word at a time, not a letter."""
        if self._steps is None:
            steps: list[tuple[str, _TrieNode] | Variant] = []
            for branch in self.ordered():
                if isinstance(branch, tuple) and branch[0] != " ":
                    label, node = branch
                    while len(node.children) == 1 and not node.leaves and " " not in node.children:
                        ((char, node),) = node.children.items()
                        label += char
                    branch = (label, node)
                steps.append(branch)
            self._steps = steps
        return self._steps

    def steps_at(self, char: str) -> list[tuple[str, _TrieNode] | Variant]:
        """The `steps` that may match where the text reads `char` (" " for any whitespace):
        every leaf and the one branch starting with `char`, so the walk does not try every
        letter of a node with dozens (cached per letter met)."""
        steps = self._steps_by_char.get(char)
        if steps is None:
            steps = [step for step in self.steps() if isinstance(step, Variant) or step[0][0] == char]
            self._steps_by_char[char] = steps
        return steps

    def regex(self) -> str:
        """This subtree as a regex without groups (see `uncaptured`)."""
        ordered = [
            (r"\s+" if branch[0] == " " else re.escape(branch[0])) + branch[1].regex()
            if isinstance(branch, tuple)
            else f"(?:{uncaptured(spaced(branch.remainder))})"
            for branch in self.ordered()
        ]
        return ordered[0] if len(ordered) == 1 and not self.leaves else f"(?:{'|'.join(ordered)})"


class CueTrie:
    """A lexicon's phrases as a character trie: one regex that finds them, and a walk
    that names the phrase a match of that regex took.

    The regex holds no groups, so scanning records no positions; naming a found match
    walks the trie down the matched letters and tries the leaves on the way in the
    regex's own order, each leaf its own small regex compiled on first use. Compiling a
    second regex with a named group per variant (a fifth of a megabyte for English)
    would cost more than classifying thousands of statements.

    Python's `re` takes the first alternative that matches, not the longest; the walk
    tries every variant on the matched letters and keeps the one whose match reaches
    furthest, so a long pattern reading two words no longer hides a shorter one reading
    five ("포탄 수백 발을 쐈다" is a launch, not the bare shell its first word names). Patterns
    whose index is in `preferred` (blockers such as "launched an operation to evacuate")
    outrank every other phrase starting at the same place: they live in a trie of their
    own, tried first. In one trie a failed blocker deep in a branch ("launched … into
    the net") would fall back to a cue in the same branch ("launched operation") before
    the blocker waiting higher up ("launch\\w* … to evacuate").
    """

    def __init__(
        self, patterns: Iterable[str], preferred: Collection[int] = (), tail: str = "", unskipped: str = ""
    ) -> None:
        self.preferred, self.others = _TrieNode(), _TrieNode()
        # what the finding regex is built from: each alternative as written, not expanded
        self._finder = _TrieNode()
        self._tail = tail
        self._unskipped = unskipped
        self._leaf_regexes: dict[str, re.Pattern[str]] = {}
        for index, pattern in enumerate(patterns):
            options = _top_level_alternatives(pattern)
            variants = [variant for option in options for variant in _expanded(option)]
            for number, option in enumerate(options):
                for finding in _by_first_letter(option) or [option]:
                    prefix, remainder = _literal_prefix(finding)
                    node = self._finder
                    for char in prefix:
                        node = node.children.setdefault(char, _TrieNode())
                    node.leaves.append(Variant(f"f{index}_{number}", index, prefix, remainder, len(remainder)))
            for number, variant in enumerate(variants):
                prefix, remainder = _literal_prefix(variant)
                node = self.preferred if index in preferred else self.others
                for char in prefix:
                    node = node.children.setdefault(char, _TrieNode())
                rank = len(variant) + (_PREFERRED_RANK if index in preferred else 0)
                node.leaves.append(Variant(f"c{index}_{number}", index, prefix, remainder, rank - len(prefix)))

    def regex(self) -> str:
        """A groupless regex matching wherever some phrase starts.

        It only finds; `variant_at` names the phrase, trying the expanded variants in their
        order under the clause-break rule (`unskipped`). So the finding regex is built from
        the alternatives as written, and its gaps may skip clause-break words: expanded,
        with that lookahead in every gap, English's regex was 0.9 MB and took 2.8 s to
        compile, more than classifying thousands of statements.
        """
        return self._finder.regex()

    def variant_at(
        self, text: str, start: int, end: int | None = None, preferred: bool = True
    ) -> tuple[Variant, int] | None:
        """The variant whose phrase part, starting at `start` (reading `text` up to `end`),
        reaches furthest, and where that match ends; None if none matches there.

        The regex takes the first variant that matches (the longest pattern first), which
        may read less of the text than a shorter pattern does: a long pattern whose
        optional parts are absent matches two words where another reads six. The longest
        match wins; among those ending at the same place, the one the regex tries first
        (the longer, more specific pattern). Preferred patterns (blockers) still outrank
        every other: the second trie is read only when none of them matches.
        """
        stop = len(text) if end is None else end
        for root in self._roots(preferred):
            best = self._walk(root, text, start, stop, None)
            if best is not None:
                return best
        return None

    def _roots(self, preferred: bool) -> list[_TrieNode]:
        roots = [self.preferred, self.others] if preferred else [self.others]
        return [root for root in roots if root.children or root.leaves] or [self.others]

    def _walk(
        self, node: _TrieNode, text: str, position: int, stop: int, best: tuple[Variant, int] | None
    ) -> tuple[Variant, int] | None:
        """`best`, or the first variant below `node` matching `text` at `position` that reaches
        further than it (trying them in the regex's order), with where its match ends."""
        char = text[position] if position < stop else ""
        for branch in node.steps_at(" " if char.isspace() else char):
            if isinstance(branch, Variant):
                regex = self._leaf_regexes.get(branch.name) or self._leaf_regex(branch)
                match = regex.match(text, position, stop)
                if match is not None and (best is None or match.end() > best[1]):
                    best = (branch, match.end())
                continue
            label, child = branch
            if label != " ":
                if text.startswith(label, position, stop):
                    best = self._walk(child, text, position + len(label), stop, best)
                continue
            run = position  # a space is `\s+`, greedy: the longest run of whitespace first
            while run < stop and text[run].isspace():
                run += 1
            for after in range(run, position, -1):
                best = self._walk(child, text, after, stop, best)
        return best

    def _leaf_regex(self, leaf: Variant) -> re.Pattern[str]:
        regex = self._leaf_regexes.get(leaf.name)
        if regex is None:
            regex = _compiled(f"(?:{uncaptured(spaced(leaf.remainder, self._unskipped))}){self._tail}")
            self._leaf_regexes[leaf.name] = regex
        return regex
