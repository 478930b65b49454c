"""Rule engine: find cue phrases in one text, apply scope rules, weigh the two sides.

A lexicon becomes one compiled regex (a trie of its phrases, see `patterns`). Each hit
is then looked at inside its clause: a negation shortly before it (or after it, in
verb-final languages) flips its side ("no intention to attack"), an avoidance verb does
the same from further away ("avoid any step that could inflame tensions"), a
conditional marker damps it ("if they attack"), a hedge ("alleged", "concerned about")
damps a reported act a little, and a stretch of sentences about sport, disasters or
prices damps the conflict words it borrows, never a specific act ("attacked an army
post"). Negations that sit inside another cue ("will not hesitate") belong to that cue
and flip nothing; negation scope lives in `negation`, position lookups in `spans`. Only
the first `MAX_CLASSIFIED_CHARS` of a text are read, and every step is linear in them.

The hits are weighed into a label by `scoring`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from bot.classify.contexts import ARMED_CONFLICT, stretches
from bot.classify.lexicon import (
    BLOCKER,
    ESCALATION,
    CategorySet,
    CueEntry,
    Lexicon,
)
from bot.classify.negation import DENIED, NEGATED, NegationScope
from bot.classify.patterns import CueTrie, spaced
from bot.classify.spans import NO_CONTEXT, ContextIndex, SortedSpans, clause_around

_PUNCTUATION_BREAK = r"[.!?;:,،؛。！？؟۔।\n，；：、]|\s[-–—]\s"
# A letter for word-edge purposes: \w misses the vowel signs of Indic scripts and
# Arabic-script marks, which would otherwise count as word edges inside a word. The
# Devanagari danda and double danda (U+0964, U+0965) end sentences: they are no letters.
_LETTER = r"[\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0963\u0966-\u0dff\u200c\u200d]"
_WORD_START = rf"(?<!{_LETTER})"
_WORD_END = rf"(?!{_LETTER})"
# Quotation marks and how far before a context word a hedge ("so-called") is looked for.
_OPENING_QUOTES = frozenset("「『“\"«‘'")
_HEDGE_GAP = 12
# How far before a context word a background ("despite the heavy rain") is looked for.
_BACKGROUND_GAP = 24
# The longest clitic chain tried before a phrase inside an other-sense phrase (`_hidden_by`).
_LONGEST_CLITIC = 4
# How far before a cue (in characters, inside its clause) conditionals and hedges are looked for.
_LOOKBACK = 400
# Classification reads at most this many characters of a text (the stored text stays
# whole): 10,000 characters is about 1,600 words, thirteen times the longest statement
# in the test sets, and keeps the worst text (5 MB of conflict words) well under a
# second (tests/benchmarks/bench_worst_case.py).
MAX_CLASSIFIED_CHARS = 10_000


def capped(text: str, limit: int = MAX_CLASSIFIED_CHARS) -> str:
    """`text` cut to `limit` characters, at the last whitespace before the cut if there is one."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit // 2, limit)
    return text[: cut if cut > 0 else limit]


@dataclass(frozen=True)
class Hit:
    """One cue found in a text, after scope rules: what matched and what it now counts as."""

    entry: CueEntry
    text: str
    start: int
    category: str
    weight: float


@dataclass(frozen=True)
class Scan:
    """A text's hits, and the sides of cue words that other-sense phrases hid
    ("end violence against women" hides the escalation word "violence"), or that they name
    in `hides` ("the military history museum"); `elsewhere`: a text without a single cue
    word whose subject is another domain's (a flood, a match, a vaccine campaign)."""

    hits: list[Hit]
    hidden: frozenset[str]
    elsewhere: bool = False


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
        clitic = f"(?:{lexicon.clitic_prefix})?" if lexicon.clitic_prefix else ""
        breaks = [spaced(m.pattern) for m in lexicon.modifiers if m.kind == "clause_break"]
        # A cue's gap ("sanctions … lifted") skips no clause-break word: what follows one is
        # another clause. Only plain words count: a break that needs its context to be one
        # ("and" before a finite verb) is no sure edge inside a phrase, nor a `skippable` one.
        stops = [
            spaced(m.pattern)
            for m in lexicon.modifiers
            if m.kind == "clause_break" and not m.skippable and "(?" not in m.pattern
        ]
        unskipped = f"(?:{'|'.join(stops)}){whole_word}" if stops else ""
        self._trie = CueTrie((entry.pattern for entry in lexicon.cues), blockers, tail=end, unskipped=unskipped)
        # One group, around the phrase itself: where it starts after the optional clitic.
        self._cue_spans = re.compile(f"{start}{clitic}({self._trie.regex()}){end}")
        self._blockers = frozenset(lexicon.cues[index].id for index in blockers)
        self._word_start = re.compile(start) if start else None
        self._clitic = re.compile(lexicon.clitic_prefix) if lexicon.clitic_prefix else None
        self._modifiers = {
            kind: self._modifier_regex(kind, start, whole_word)
            for kind in ("negation", "avoidance", "denial", "intent", "conditional", "hedge", "background")
        }
        break_words = f"|{start}(?:{'|'.join(breaks)}){whole_word}" if breaks else ""
        self._clause_break = re.compile(_PUNCTUATION_BREAK + break_words)
        self._contexts = [
            (
                re.compile(start + "(?:" + spaced(m.pattern) + ")"),
                categories.domains[m.domain or ""],
                categories.domains[m.domain or ""].reach,
            )
            for m in lexicon.modifiers
            if m.kind == "context" and m.domain != ARMED_CONFLICT
        ]
        armed = [spaced(entry.pattern) for entry in lexicon.cues if entry.armed]
        self._armed_acts = re.compile(f"{start}(?:{'|'.join(armed)}){end}") if armed else None
        # Whether any of them is in a text at all, in one search: most texts hold none.
        others = CueTrie(m.pattern for m in lexicon.modifiers if m.kind == "context" and m.domain != ARMED_CONFLICT)
        self._any_context = re.compile(f"{start}{others.regex()}") if self._contexts else None
        anchors = [spaced(m.pattern) for m in lexicon.modifiers if m.kind == "context" and m.domain == ARMED_CONFLICT]
        self._anchors = re.compile(start + "(?:" + "|".join(anchors) + ")" + whole_word) if anchors else None

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
        """Every cue in `text`, with negation, conditional, hedge and context scope applied."""
        return self.scan(text).hits

    def scan(self, text: str) -> Scan:
        """`find`, and the sides of the cue words that other-sense phrases hid.

        Only the first `MAX_CLASSIFIED_CHARS` characters are read (cut at a word edge): a
        statement states its posture early, and every step below stays linear in that.
        """
        text = capped(text)
        folded, positions = self.normalise(text)
        matches = self._matches(folded)
        if not matches:
            return Scan([], frozenset(), elsewhere=bool(self._context_index(folded, SortedSpans([]))))
        hidden = frozenset(
            side
            for start, end, entry in matches
            if entry.id in self._blockers
            for side in (*self._hidden_by(folded, start, end), *entry.hides)
        )
        cues = SortedSpans([(start, end) for start, end, _ in matches])
        idiom_categories = self.categories.tuning.idiom_categories
        idioms = SortedSpans([(start, end) for start, end, entry in matches if entry.category in idiom_categories])
        contexts = self._context_index(folded, idioms)
        breaks = [boundary.span() for boundary in self._clause_break.finditer(folded)]
        scope = NegationScope(folded, self._modifiers, self.lexicon, cues)
        hits = []
        for start, end, entry in matches:
            category = self.categories.categories[entry.category]
            if category.side == BLOCKER:
                continue
            if positions is not None:
                original = text[positions[start] : positions[end - 1] + 1]
            elif len(folded) == len(text):
                original = text[start:end]
            else:
                original = folded[start:end]
            clause = clause_around(breaks, start, end, len(folded))
            hit = self._scoped(entry, original, folded, (start, end), clause, scope)
            # A negated cue counts as its new kind, which the sentence's subject may damp too.
            armed = entry.armed or (contexts is not NO_CONTEXT and self._names_armed_act(folded, start, end))
            factor = contexts.factor(start, entry.category, entry.weight, armed)
            if hit.category != entry.category:
                factor *= contexts.factor(start, hit.category, entry.weight, armed)
            if factor > 0:
                hits.append(replace(hit, weight=hit.weight * factor) if factor < 1 else hit)
        return Scan(hits, hidden)

    def _names_armed_act(self, folded: str, start: int, end: int) -> bool:
        """Whether a phrase opens with the words of an armed-only act: "shelled Pakistani
        positions" is read as an act on a target (the longer phrase wins), yet no flood
        shells anything, so a hazard beside it damps it no more than shelling alone. Only
        at the phrase's start: a weapon word further in ("a barrage of hail") is no verb."""
        return self._armed_acts is not None and self._armed_acts.match(folded, start, end) is not None

    def _hidden_by(self, folded: str, start: int, end: int) -> set[str]:
        """Sides of the cues (blockers left out) found inside an other-sense phrase at
        `start`–`end`, read as if the text stopped there.

        The trie is walked at each word start rather than searched with a blocker-free
        regex, whose compilation would cost a third of a second for English. An optional
        clitic is tried longest first, as its greedy regex would.
        """
        sides = set()
        for position in range(start, end):
            if self._word_start is not None and not self._word_start.match(folded, position):
                continue
            for phrase in self._phrase_starts(folded, position, end):
                named = self._trie.variant_at(folded, phrase, end, preferred=False)
                if named is not None:
                    sides.add(self.categories.categories[self.lexicon.cues[named[0].index].category].side)
                    break
        return sides

    def _phrase_starts(self, folded: str, position: int, end: int) -> list[int]:
        """Where a phrase may start when its word starts at `position`: after the longest
        clitic first, at `position` itself last."""
        if self._clitic is None:
            return [position]
        longest = min(end, position + _LONGEST_CLITIC)
        after = [stop for stop in range(longest, position, -1) if self._clitic.fullmatch(folded, position, stop)]
        return [*after, position]

    def _matches(self, folded: str) -> list[tuple[int, int, CueEntry]]:
        """Cue matches left to right; one starting inside another is kept if it reaches further.

        "Chiediamo un cessate il fuoco": the appeal pattern swallows "cessate", yet the
        ceasefire itself must still count, unless the first is a step back of the other
        side (`overlap_absorbers`: "a pause on strikes against…"), whose object it is. A match wholly inside
        another is the outer phrase's own word ("no intention to attack") and adds nothing. The regex only
        finds; the trie names the phrase of each match that is kept.
        """
        matches: list[tuple[int, int, CueEntry]] = []
        position, reached, blocked = 0, 0, 0
        while (found := self._cue_spans.search(folded, position)) is not None:
            # A cue starting inside an other-sense phrase reads its word in that sense
            # ("heart attack forced the clinic to close").
            named = self._trie.variant_at(folded, found.start(1))
            if named is None and found.start(1) > found.start():
                # the finding regex may read a clitic its phrase's gap then cannot carry
                # (`CueTrie.regex`); the phrase may still start at the clitic itself
                named = self._trie.variant_at(folded, found.start())
            if named is not None and named[1] > reached and found.start() >= blocked:
                variant, stop = named
                entry = self.lexicon.cues[variant.index]
                if found.start() < reached and self._absorbs(matches[-1][2], entry):
                    # the object of a stated intent not to escalate ("no plans to widen
                    # the offensive", "a pause on strikes against…") is no new act
                    position = found.start() + 1
                    continue
                if entry.id in self._blockers:
                    blocked = stop
                    # ...and one reaching into an other-sense phrase lends it its last words
                    # ("launched an assault on the market")
                    while matches and matches[-1][1] > found.start() and matches[-1][2].id not in self._blockers:
                        matches.pop()
                matches.append((found.start(), stop, entry))
                reached = stop
            position = found.start() + 1
        return matches

    def _absorbs(self, outer: CueEntry, inner: CueEntry) -> bool:
        """`inner`, starting inside `outer`, is the object of a step back of `outer`'s kind.

        Only where words have edges: in Japanese or Chinese two cues overlap by accident of
        the characters (独自制裁 holds 自制 "restraint" and 制裁 "sanctions").
        """
        categories = self.categories.categories
        return (
            self.lexicon.word_boundaries
            and outer.category in self.categories.tuning.overlap_absorbers
            and categories[inner.category].side not in (BLOCKER, categories[outer.category].side)
        )

    def _context_index(self, folded: str, idioms: SortedSpans) -> ContextIndex:
        """Stretches that talk about sport, disasters, prices…, with the categories they damp.

        A context word damps its own sentence and `context_reach` sentences either side
        (its domain may set another reach): a long text names its subject once ("the 85th
        anniversary of the victory") and tells the story around it ("the enemy was routed
        in fierce battles"). It damps (`context_factor`) rather than voids, and only the
        words its domain borrows (weaker than the domain's `borrows`, by default
        `specific_act`): "attacked an army post" or "fired rockets" stay acts beside oil
        prices, unless the domain reports acts of its own (disasters kill, police raid);
        beyond its own sentence it damps only the ambiguous words (weaker than
        `context_neighbour_limit`). A context word in quotation marks or after a hedge (a
        "satellite", a so-called satellite) is the other side's claim and sets no
        context, nor does one inside a threat idiom ("will pay a heavy price" is not
        economics), nor one a background sets aside ("despite blizzards, the commanders met
        for talks": the weather is the background, the talks are the news).
        """
        if self._any_context is None or self._any_context.search(folded) is None:
            return NO_CONTEXT
        hedge, background = self._modifiers["hedge"], self._modifiers["background"]
        found = []
        for regex, domain, reach in self._contexts:
            for match in regex.finditer(folded):
                before = folded[max(match.start() - _HEDGE_GAP, 0) : match.start()]
                quoted = before[-1:] in _OPENING_QUOTES
                hedged = hedge is not None and hedge.search(before)
                since = max(match.start() - _BACKGROUND_GAP, 0)
                set_aside = background is not None and background.search(folded, since, match.start())
                if not (quoted or hedged or set_aside or idioms.covers(match.start())):
                    found.append((match.start(), domain, reach))
        if not found:
            return NO_CONTEXT
        return stretches(folded, found, self._anchors, self.categories.tuning)

    def _scoped(
        self,
        entry: CueEntry,
        original: str,
        folded: str,
        span: tuple[int, int],
        clause: tuple[int, int],
        scope: NegationScope,
    ) -> Hit:
        """The hit as it counts in its clause: negated, conditional or hedged."""
        tuning = self.categories.tuning
        side = self.categories.categories[entry.category].side
        category, weight = entry.category, entry.weight
        before = folded[max(clause[0], span[0] - _LOOKBACK) : span[0]]
        in_scope = scope.scope(span, clause, wide=entry.category in tuning.negated_across_clause)
        if in_scope == NEGATED and entry.own_negation:
            in_scope = None  # "let no one mistake our restraint for weakness": the idiom's own negator
        if in_scope == DENIED:
            # "denies that its jets bombed a hospital": neither the act nor a step back
            return Hit(entry=entry, text=original, start=span[0], category=category, weight=0.0)
        if in_scope is not None:
            if entry.category in tuning.unflipped_by_negation:
                # "no prior criminal record", "not illegal": a negated adjective states no posture
                return Hit(entry=entry, text=original, start=span[0], category=category, weight=0.0)
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
