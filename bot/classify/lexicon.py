"""Cue lexicons and categories as data: load, validate loudly, hold as plain records.

`categories.yaml` says what each kind of act weighs (a Goldstein/PLOVER grade with the
sign flipped so escalation is positive) and holds the engine's tuning constants.
`lexicons/<lang>.yaml` lists one language's cue patterns and its modifier words
(negation, avoidance, conditional, hedging, clause breaks). Every problem is reported with the
file, the entry id and the reason, because a linguist editing YAML needs to know
exactly which line to fix.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

ESCALATION = "escalation"
DEESCALATION = "de-escalation"
BLOCKER = "blocker"
SIDES = (ESCALATION, DEESCALATION, BLOCKER)
MODIFIER_KINDS = ("negation", "avoidance", "denial", "intent", "conditional", "hedge", "background", "clause_break")
CONTEXT = "context"


# libyaml's loader when present: the lexicons are large and the pure-Python one is slow.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LexiconError(ValueError):
    """A lexicon or category file is malformed; the message names file, entry and reason."""


@dataclass(frozen=True)
class Category:
    id: str
    side: str
    weight: float
    note: str


@dataclass(frozen=True)
class CueEntry:
    id: str
    pattern: str
    category: str
    weight: float
    english: str | None
    note: str
    # ids of labelled items the entry matches (`ex` in the YAML): where it is seen
    examples: tuple[str, ...] = ()
    # sides an other-sense phrase keeps the learned reading off even with no cue word inside
    # (`hides`: "the military history museum" is an institution, not armed conflict)
    hides: tuple[str, ...] = ()
    # an act only armed actors or a state commit (shelling, rockets fired, diplomats
    # expelled): no natural hazard's own events include it (`armed: true` in the YAML)
    armed: bool = False
    # an idiom stated with its own negation ("do not mistake our restraint for weakness"):
    # a negator near it is the idiom's, and flips nothing (`own_negation: true`)
    own_negation: bool = False


@dataclass(frozen=True)
class ModifierEntry:
    id: str
    kind: str
    pattern: str
    note: str
    domain: str | None = None
    # a clause-break word a cue's gap may still skip (`skippable`: "since", "after" are
    # prepositions too: "held since the spring were flown home")
    skippable: bool = False


@dataclass(frozen=True)
class Lexicon:
    lang: str
    source: str
    word_boundaries: bool
    word_end: bool
    clitic_prefix: str
    scope_unit: str
    negation_reach: int
    negation_after: int
    avoidance_reach: int
    # how far a denial reaches ("denied that the jets of the ministry bombed"; avoidance_reach unless given)
    denial_reach: int
    # how far after an intent word its negator may come (verb-final languages: "意図はない")
    intent_negation_after: int
    # how far after a cue an avoidance verb reaches back to it: verb-final clauses put the
    # verb last ("die Sanktionen … werden mit sofortiger Wirkung aufgehoben")
    avoidance_after: int
    fold: dict[str, str | None]
    cues: tuple[CueEntry, ...]
    modifiers: tuple[ModifierEntry, ...]


@dataclass(frozen=True)
class Tuning:
    """Engine constants (thresholds, scope factors), kept beside the weights they scale."""

    neutral_threshold: float
    mixed_threshold: float
    score_scale: float
    decay: float
    conditional_factor: float
    undamped_by_conditionals: frozenset[str]
    hedge_factor: float
    context_reach: int
    context_neighbour_limit: float
    context_factor: float
    specific_act: float
    unflipped_by_negation: frozenset[str]
    negated_across_clause: frozenset[str]
    overlap_absorbers: frozenset[str]
    idiom_categories: frozenset[str]
    corroboration: float
    native_factor: float
    negated_escalation: tuple[str, float]
    negated_deescalation: tuple[str, float]
    strong_cue: float
    weak_side_factor: float
    topic_categories: frozenset[str]
    topic_setters: frozenset[str]
    topic_setter_weight: float
    topic_factor: float
    confidence_slope: float
    confidence_offset: float


@dataclass(frozen=True)
class Domain:
    """A subject other than armed conflict (sport, prices…) and what its words damp."""

    id: str
    blocks: frozenset[str]
    # sentences either side its words reach (`context_reach` unless the domain sets one)
    reach: int
    # the strongest cue its vocabulary borrows: weaker cues of `blocks` are damped, while
    # stronger ones stay acts
    borrows: float
    # kinds of act that are the domain's own events (disasters strike and kill, troops
    # deploy for relief, police raid): it damps these at any strength, even beside
    # armed actors; a kind no disaster does (shooting down drones, talks) stays an act
    own_acts: frozenset[str] = frozenset()
    # its own events are natural (a storm strikes, a flood kills): acts only armed actors
    # commit (shelling, air strikes) are among them no more than borrowed words are
    natural: bool = False


@dataclass(frozen=True)
class CategorySet:
    categories: dict[str, Category]
    tuning: Tuning
    # domain (sports, disaster, economy…) → what its vocabulary damps in a sentence
    domains: dict[str, Domain]


def _fail(source: str, entry_id: str, reason: str) -> LexiconError:
    return LexiconError(f"{source}: entry {entry_id!r}: {reason}")


def _require(record: Any, key: str, kind: type, source: str, entry_id: str) -> Any:
    if not isinstance(record, dict) or key not in record:
        raise _fail(source, entry_id, f"missing field {key!r}")
    value = record[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind):
        raise _fail(source, entry_id, f"field {key!r} must be {kind.__name__}, got {value!r}")
    return value


def _check_pattern(pattern: str, source: str, entry_id: str) -> None:
    if pattern != pattern.lower() and "\\" not in pattern:
        raise _fail(source, entry_id, f"pattern {pattern!r} must be lower case (text is folded)")


def check_regexes(lexicon: Lexicon) -> None:
    """Compile each pattern alone, so that a broken one is named by its entry.

    That is most of reading a lexicon (1.2 s for all of them), and compiling the lexicon
    compiles every pattern anyway: `Classifier.load` leaves it to `ladderwatch check`, the
    tests, and a lexicon whose compilation fails (`lazy.py`).
    """
    for entry in (*lexicon.cues, *lexicon.modifiers):
        try:
            compiled = re.compile(entry.pattern)
        except re.error as error:
            raise _fail(lexicon.source, entry.id, f"pattern {entry.pattern!r} is not a valid regex: {error}") from None
        if compiled.match(""):
            raise _fail(lexicon.source, entry.id, f"pattern {entry.pattern!r} matches the empty string")


def parse_categories(data: Any, source: str) -> CategorySet:
    """Validate the categories file's content (already parsed YAML)."""
    if not isinstance(data, dict) or "categories" not in data or "tuning" not in data:
        raise _fail(source, "<file>", "needs top-level 'categories' and 'tuning'")
    categories: dict[str, Category] = {}
    for record in data["categories"]:
        entry_id = record.get("id", "<no id>") if isinstance(record, dict) else "<not a mapping>"
        category = Category(
            id=_require(record, "id", str, source, entry_id),
            side=_require(record, "side", str, source, entry_id),
            weight=_require(record, "weight", float, source, entry_id),
            note=_require(record, "note", str, source, entry_id),
        )
        if category.side not in SIDES:
            raise _fail(source, entry_id, f"side must be one of {SIDES}, got {category.side!r}")
        if category.id in categories:
            raise _fail(source, entry_id, "duplicate category id")
        _check_sign(category.side, category.weight, source, entry_id)
        categories[category.id] = category
    tuning_data = dict(data["tuning"])
    domains: dict[str, Domain] = {}
    for record in data.get("domains", ()):
        entry_id = record.get("id", "<no id>") if isinstance(record, dict) else "<not a mapping>"
        _require(record, "note", str, source, entry_id)
        blocked = frozenset(_require(record, "blocks", list, source, entry_id))
        unknown = blocked - categories.keys()
        if unknown:
            raise _fail(source, entry_id, f"blocks unknown categories {sorted(unknown)}")
        domain_id = _require(record, "id", str, source, entry_id)
        reach = int(record.get("reach", tuning_data.get("context_reach", 0)))
        borrows = float(record.get("borrows", tuning_data.get("specific_act", math.inf)))
        acts = record.get("acts", False)
        own_acts = blocked if acts is True else frozenset(acts or ())
        if not own_acts <= blocked:
            raise _fail(source, entry_id, f"acts {sorted(own_acts - blocked)} are not in its blocks")
        natural = record.get("natural", False)
        if not isinstance(natural, bool):
            raise _fail(source, entry_id, f"'natural' is true or false, got {natural!r}")
        domains[domain_id] = Domain(domain_id, blocked, reach, borrows, own_acts, natural)
    try:
        for key in (
            "undamped_by_conditionals",
            "topic_categories",
            "topic_setters",
            "idiom_categories",
            "unflipped_by_negation",
            "negated_across_clause",
            "overlap_absorbers",
        ):
            unknown = set(tuning_data[key]) - categories.keys()
            if unknown:
                raise _fail(source, key, f"unknown categories {sorted(unknown)}")
            tuning_data[key] = frozenset(tuning_data[key])
        for key in ("negated_escalation", "negated_deescalation"):
            target = tuning_data[key]
            if target["category"] not in categories:
                raise _fail(source, key, f"unknown category {target['category']!r}")
            tuning_data[key] = (target["category"], float(target["weight"]))
        tuning = Tuning(**{key: tuning_data[key] for key in Tuning.__dataclass_fields__})
    except (KeyError, TypeError) as error:
        raise _fail(source, "tuning", f"missing or malformed value: {error}") from None
    return CategorySet(categories=categories, tuning=tuning, domains=domains)


def _check_sign(side: str, weight: float, source: str, entry_id: str) -> None:
    if not -10.0 <= weight <= 10.0:
        raise _fail(source, entry_id, f"weight {weight} is outside [-10, 10]")
    if (side == ESCALATION and weight <= 0) or (side == DEESCALATION and weight >= 0):
        raise _fail(source, entry_id, f"weight {weight} has the wrong sign for side {side!r}")


def parse_lexicon(data: Any, source: str, categories: CategorySet, regexes: bool = True) -> Lexicon:
    """Validate one language file's content (already parsed YAML) against the categories
    (`regexes=False`: all but compiling each pattern, see `check_regexes`)."""
    if not isinstance(data, dict):
        raise _fail(source, "<file>", "top level must be a mapping")
    lang = _require(data, "lang", str, source, "<file>")
    seen: set[str] = set()

    def unique(entry_id: str) -> str:
        if entry_id in seen:
            raise _fail(source, entry_id, "duplicate id")
        seen.add(entry_id)
        return entry_id

    cues = []
    for group in data.get("cues", ()):
        category_id = _require(group, "category", str, source, "<cue group>")
        if category_id not in categories.categories:
            raise _fail(source, category_id, f"unknown category {category_id!r}")
        category = categories.categories[category_id]
        group_note = group.get("note", "")
        for record in _require(group, "entries", list, source, category_id):
            entry_id = unique(_require(record, "id", str, source, f"<entry in {category_id}>"))
            pattern = _require(record, "pattern", str, source, entry_id)
            _check_pattern(pattern, source, entry_id)
            weight = float(record.get("weight", category.weight))
            if category.side != BLOCKER:
                _check_sign(category.side, weight, source, entry_id)
            english = record.get("english")
            if lang != "en" and not isinstance(english, str):
                raise _fail(source, entry_id, "non-English cues need an 'english' gloss")
            note = record.get("note", group_note)
            if not note:
                raise _fail(source, entry_id, "needs a 'note' (on the entry or its group)")
            examples = record.get("ex", [])
            if not isinstance(examples, list) or not all(isinstance(example, str) for example in examples):
                raise _fail(source, entry_id, f"'ex' must be a list of item ids, got {examples!r}")
            hides = record.get("hides", [])
            if hides and (category.side != BLOCKER or not set(hides) <= {ESCALATION, DEESCALATION}):
                raise _fail(source, entry_id, f"'hides' lists sides of an other-sense entry, got {hides!r}")
            armed = record.get("armed", False)
            if not isinstance(armed, bool) or (armed and category.side != ESCALATION):
                raise _fail(source, entry_id, f"'armed' is true or false, on escalation entries only, got {armed!r}")
            own_negation = record.get("own_negation", False)
            if not isinstance(own_negation, bool):
                raise _fail(source, entry_id, f"'own_negation' is true or false, got {own_negation!r}")
            cues.append(
                CueEntry(
                    entry_id,
                    pattern,
                    category_id,
                    weight,
                    english,
                    note,
                    tuple(examples),
                    tuple(hides),
                    armed=armed,
                    own_negation=own_negation,
                )
            )
    modifiers = []
    for kind in MODIFIER_KINDS:
        for record in data.get(kind, ()):
            entry_id = unique(_require(record, "id", str, source, f"<{kind} entry>"))
            pattern = _require(record, "pattern", str, source, entry_id)
            _check_pattern(pattern, source, entry_id)
            note = _require(record, "note", str, source, entry_id)
            skippable = record.get("skippable", False)
            if not isinstance(skippable, bool) or (skippable and kind != "clause_break"):
                raise _fail(source, entry_id, f"'skippable' is true or false, on clause breaks only, got {skippable!r}")
            modifiers.append(ModifierEntry(entry_id, kind, pattern, note, skippable=skippable))
    for record in data.get(CONTEXT, ()):
        entry_id = unique(_require(record, "id", str, source, f"<{CONTEXT} entry>"))
        pattern = _require(record, "pattern", str, source, entry_id)
        _check_pattern(pattern, source, entry_id)
        domain = _require(record, "domain", str, source, entry_id)
        if domain not in categories.domains:
            raise _fail(source, entry_id, f"unknown domain {domain!r}")
        note = _require(record, "note", str, source, entry_id)
        modifiers.append(ModifierEntry(entry_id, CONTEXT, pattern, note, domain))
    scope = data.get("scope", {})
    clitic_prefix = str(data.get("clitic_prefix", ""))
    if clitic_prefix:
        try:
            re.compile(clitic_prefix)
        except re.error as error:
            raise _fail(source, "clitic_prefix", f"not a valid regex: {error}") from None
    fold = {str(key): (None if value is None else str(value)) for key, value in data.get("fold", {}).items()}
    for key, value in fold.items():
        if len(key) != 1 or (value is not None and len(value) != 1):
            raise _fail(source, f"fold {key!r}", "fold maps one character to one character or null")
    _check_folded(cues, modifiers, fold, source)
    avoidance_reach = int(scope.get("avoidance_reach", 2 * int(scope.get("negation_reach", 4))))
    lexicon = Lexicon(
        lang=lang,
        source=source,
        word_boundaries=bool(data.get("word_boundaries", True)),
        word_end=bool(data.get("word_end", data.get("word_boundaries", True))),
        clitic_prefix=clitic_prefix,
        scope_unit=str(scope.get("unit", "word")),
        negation_reach=int(scope.get("negation_reach", 4)),
        negation_after=int(scope.get("negation_after", 0)),
        avoidance_reach=avoidance_reach,
        denial_reach=int(scope.get("denial_reach", avoidance_reach)),
        intent_negation_after=int(scope.get("intent_negation_after", 0)),
        avoidance_after=int(scope.get("avoidance_after", scope.get("negation_after", 0))),
        fold=fold,
        cues=tuple(cues),
        modifiers=tuple(modifiers),
    )
    if regexes:
        check_regexes(lexicon)
    return lexicon


def _check_folded(
    cues: list[CueEntry], modifiers: list[ModifierEntry], fold: dict[str, str | None], source: str
) -> None:
    """A pattern holding a character that folding replaces can never match: say so."""
    for entry in [*cues, *modifiers]:
        found = sorted(set(entry.pattern) & fold.keys())
        if found:
            raise _fail(
                source,
                entry.id,
                f"pattern has {found} which text folding replaces; write the folded form",
            )


def _read_yaml(path: Path | Any) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise LexiconError(f"{path}: not valid YAML: {error}") from None


def load_package_data(regexes: bool = True) -> tuple[CategorySet, dict[str, Lexicon]]:
    """Categories and every language lexicon shipped in the package, validated (`regexes`:
    see `parse_lexicon`)."""
    package = resources.files("bot.classify")
    categories_file = package / "categories.yaml"
    categories = parse_categories(_read_yaml(categories_file), str(categories_file))
    lexicons: dict[str, Lexicon] = {}
    for path in sorted((package / "lexicons").iterdir(), key=lambda item: item.name):
        if not path.name.endswith(".yaml"):
            continue
        lexicon = parse_lexicon(_read_yaml(path), str(path), categories, regexes)
        if lexicon.lang in lexicons:
            raise _fail(str(path), lexicon.lang, "a second lexicon for the same language")
        lexicons[lexicon.lang] = lexicon
    return categories, lexicons
