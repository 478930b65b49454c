"""Where each lexicon alternative is seen in the project's labelled text.

Used by `test_lexicon_hygiene.py`, and run as a script to refresh the `ex` field of
every lexicon entry (the ids of up to three items the entry matches) or to list the
alternatives that no real text supports:

    python tests/classify/lexicon_usage.py --report     # single-item and en_mt-only alternatives
    python tests/classify/lexicon_usage.py --write      # refresh `ex` in bot/classify/lexicons/*.yaml

Texts: the development sets (`DEVELOPMENT_SETS`: the original, its fluent English and,
where there is one, the hand-written machine-translation imitation `en_mt`), `cases.jsonl`,
the first two incidental-word sets, the Korean and Hebrew set, the native-rule paraphrases
and the UN dev split (real translator output). Never the held-out or blind sets.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.classify.engine import _WORD_END, _WORD_START, CompiledLexicon  # noqa: E402
from bot.classify.lexicon import CategorySet, Lexicon, load_package_data  # noqa: E402
from bot.classify.patterns import _expanded, _top_level_alternatives, spaced  # noqa: E402

DATA = ROOT / "tests" / "data" / "classify"
LEXICONS = ROOT / "bot" / "classify" / "lexicons"
EN_MT = "en_mt"
# sets with an English rendering per item, read in both languages
DEVELOPMENT_SETS = (
    "dev",
    "dev_long",
    "dev5",
    "dev6",
    "dev7",
    "dev_native",
    "dev_native2",
    "dev_native3",
    "incidental3",
    "incidental4",
    "incidental5",
    "incidental6",
    "incidental7",
    "incidental8",
    "incidental9",
    "dev8",
    "dev9",
    "incidental10",
    "dev10",
    "incidental11",
    "incidental12",
)
MAX_EXAMPLES = 3


@dataclass(frozen=True)
class Text:
    id: str  # the item's id; `:en` / `:en_mt` for its English renderings
    item: str  # the item the text belongs to (an original and its renderings are one item)
    lang: str
    text: str
    kind: str  # "real" or EN_MT


def _jsonl(path: Path) -> Iterator[dict]:
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.strip():
            yield json.loads(line)


def project_texts(with_un: bool = True) -> list[Text]:
    """Every labelled text the lexicons may be tuned on, with its kind."""
    texts = []
    for folder in DEVELOPMENT_SETS:
        for path in sorted((DATA / folder).glob("*.jsonl")):
            for item in _jsonl(path):
                texts.append(Text(item["id"], item["id"], item["lang"], item["text"], "real"))
                if item["lang"] != "en" and item.get("en"):
                    texts.append(Text(item["id"] + ":en", item["id"], "en", item["en"], "real"))
                if item.get(EN_MT):
                    texts.append(Text(item["id"] + ":en_mt", item["id"], "en", item[EN_MT], EN_MT))
    singles = [
        DATA / "cases.jsonl",
        *sorted((DATA / "incidental").glob("*.jsonl")),
        *sorted((DATA / "incidental2").glob("*.jsonl")),
        DATA / "ko_he" / "ko_he.jsonl",
    ]
    for path in [*singles, *sorted((DATA / "native_rules").glob("*.jsonl"))]:
        texts += [Text(item["id"], item["id"], item["lang"], item["text"], "real") for item in _jsonl(path)]
    if with_un:
        for path in sorted((DATA / "un_quad" / "dev").glob("*.jsonl")):
            lang = path.stem if "_" not in path.stem else "en"
            for item in _jsonl(path):
                name = f"un/{path.stem}/{item['id']}"
                texts.append(Text(name, name, lang, item["text"], "real"))
    return texts


def alternatives(pattern: str) -> list[str]:
    return _top_level_alternatives(pattern)


def alternative_regex(compiled: CompiledLexicon, alternative: str) -> re.Pattern[str]:
    """One alternative alone, with its lexicon's word edges and clitics."""
    lexicon = compiled.lexicon
    start = _WORD_START if lexicon.word_boundaries else ""
    end = _WORD_END if lexicon.word_end else ""
    clitic = f"(?:{lexicon.clitic_prefix})?" if lexicon.clitic_prefix else ""
    return re.compile(start + clitic + "(?:" + spaced(alternative) + ")" + end)


# A text with its lexicon's folded form, folded once for every alternative that reads it.
Folded = tuple[Text, str]


def folded(compiled: CompiledLexicon, texts: list[Text]) -> list[Folded]:
    return [(text, compiled.normalise(text.text)[0]) for text in texts]


def usage(compiled: CompiledLexicon, texts: list[Folded]) -> dict[tuple[str, int], set[Text]]:
    """(entry id, alternative index) → texts it matches, from one scan with the full regex.

    The scan tries every word start, so a variant hidden at one start by a longer phrase
    still counts where it matches on its own; a variant hidden everywhere is checked
    alone by `seen_alone`.
    """
    lexicon = compiled.lexicon
    variant_alternative: dict[str, tuple[str, int]] = {}
    for index, entry in enumerate(lexicon.cues):
        number = 0
        for alt_index, option in enumerate(alternatives(entry.pattern)):
            for _ in _expanded(option):
                variant_alternative[f"c{index}_{number}"] = (entry.id, alt_index)
                number += 1
    found: dict[tuple[str, int], set[Text]] = defaultdict(set)
    for text, lowered in texts:
        position = 0
        while (match := compiled._cue_spans.search(lowered, position)) is not None:
            named = compiled._trie.variant_at(lowered, match.start(1))
            if named is not None and named[0].name in variant_alternative:
                found[variant_alternative[named[0].name]].add(text)
            position = match.start() + 1
    return found


_CHARACTER_CLASS = re.compile(r"\[[^\]]*\]")
_ANCHORED = re.compile(r"\^|\$|\\A|\\Z")

# Texts joined for one search, kept apart by a pilcrow that no gap crosses (`\w`, a space
# and `.` all stop at it): a match inside one text is a match in the joined string.
SEPARATOR = "\n¶\n"


def seen_alone(compiled: CompiledLexicon, alternative: str, texts: list[Folded], joined: str) -> set[Text]:
    """The texts an alternative matches on its own. Most alternatives checked here match no
    text at all, so one search of `joined` (all of `texts`) answers for them; an alternative
    anchored at a text's edge (`^`, `$`) is always searched text by text."""
    regex = alternative_regex(compiled, alternative)
    if not _ANCHORED.search(_CHARACTER_CLASS.sub("", alternative)) and regex.search(joined) is None:
        return set()
    return {text for text, lowered in texts if regex.search(lowered)}


def texts_for(lang: str, texts: list[Text]) -> list[Text]:
    return [text for text in texts if text.lang == lang]


@dataclass(frozen=True)
class Finding:
    lang: str
    entry: str
    alternative: str
    items: tuple[str, ...]


def compile_all(categories: CategorySet, lexicons: dict[str, Lexicon]) -> dict[str, CompiledLexicon]:
    return {lang: CompiledLexicon(lexicon, categories) for lang, lexicon in sorted(lexicons.items())}


def audit(
    compiled_lexicons: dict[str, CompiledLexicon], texts: list[Text], confirm: list[Text] = ()
) -> tuple[list[Finding], list[Finding], dict[str, tuple[str, ...]]]:
    """(alternatives seen only in en_mt text, alternatives seen in exactly one item,
    entry id → example ids). Before either is reported it is looked for in the `confirm`
    texts too (the UN split: real translator output, real UN prose)."""
    mt_only, single = [], []
    examples: dict[str, tuple[str, ...]] = {}
    for lang, compiled in compiled_lexicons.items():
        lexicon = compiled.lexicon
        own = folded(compiled, texts_for(lang, texts))
        found = usage(compiled, own)
        own_joined = SEPARATOR.join(lowered for _, lowered in own)
        blob = SEPARATOR.join(compiled.normalise(text.text)[0] for text in texts_for(lang, list(confirm)))
        for entry in lexicon.cues:
            seen_entry: set[Text] = set()
            for alt_index, alternative in enumerate(alternatives(entry.pattern)):
                seen = found.get((entry.id, alt_index)) or seen_alone(compiled, alternative, own, own_joined)
                seen_entry |= seen
                real = {text.item for text in seen if text.kind == "real"}
                items = tuple(sorted(t.id for t in seen))
                if (not real and seen) or len({text.item for text in seen}) == 1:
                    if alternative_regex(compiled, alternative).search(blob):
                        continue
                    (mt_only if not real else single).append(Finding(lang, entry.id, alternative, items))
            ordered = sorted(seen_entry, key=lambda t: (t.kind != "real", t.id.startswith("un/"), t.id))
            examples[entry.id] = tuple(dict.fromkeys(t.id for t in ordered))[:MAX_EXAMPLES]
    return mt_only, single, examples


def write_examples(examples: dict[str, tuple[str, ...]]) -> None:
    """Set `ex: [...]` on every cue line of the lexicon files (one entry per line)."""
    line_id = re.compile(r"^(\s+- \{id: )([\w.]+)(, .*?)(, ex: \[[^\]]*\])?\}\s*$")
    for path in sorted(LEXICONS.glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").split("\n")
        for number, line in enumerate(lines):
            match = line_id.match(line)
            if match and match.group(2) in examples:
                ids = ", ".join(examples[match.group(2)])
                lines[number] = f"{match.group(1)}{match.group(2)}{match.group(3)}, ex: [{ids}]}}"
        path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="refresh the ex field in the lexicon files")
    parser.add_argument("--report", action="store_true", help="list single-item and en_mt-only alternatives")
    args = parser.parse_args()
    compiled = compile_all(*load_package_data())
    texts = project_texts(with_un=True)
    _, _, examples = audit(compiled, texts)
    project = [text for text in texts if not text.id.startswith("un/")]
    mt_only, single, _ = audit(compiled, project, [text for text in texts if text.id.startswith("un/")])
    if args.report:
        for finding in mt_only:
            print("en_mt only", finding.lang, finding.entry, repr(finding.alternative), finding.items[:3])
        for finding in single:
            print("one item  ", finding.lang, finding.entry, repr(finding.alternative), finding.items[:3])
    print(f"{len(mt_only)} alternatives seen only in en_mt text, {len(single)} seen in exactly one item")
    if args.write:
        write_examples(examples)


if __name__ == "__main__":
    main()
