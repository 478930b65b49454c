"""The data the learned reading is trained and its blend tuned on: development sets only.

The UN quad development split (strict mapping; native en/es/ar and the real Google/DeepL
English) and the project's `dev` and `dev_long` sets. Held-out and blind sets never appear
here. Folds go by sentence: a UN 100-row block, or a project item id, with all its
translations, so an out-of-fold figure never scores a sentence the model saw in another language.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path

from bot.classify.learned import MODEL_LANGUAGES
from bot.evaluate import QUAD_MAPPINGS
from bot.model import Label

ROOT = Path(__file__).resolve().parents[2]
UN_DEV = ROOT / "tests" / "data" / "classify" / "un_quad" / "dev"
PROJECT_DEV = (ROOT / "tests" / "data" / "classify" / "dev", ROOT / "tests" / "data" / "classify" / "dev_long")
INCIDENTAL = (ROOT / "tests" / "data" / "classify" / "incidental", ROOT / "tests" / "data" / "classify" / "incidental2")
LABELS: tuple[str, ...] = (Label.ESCALATION.value, Label.DEESCALATION.value, Label.NEUTRAL.value)
FOLDS = 4
PROJECT = "project"


@dataclass(frozen=True)
class Example:
    text: str
    lang: str  # what the classifier reads it as (machine-translated English is "en")
    label: str
    group: str  # the sentence with all its translations: never split across folds
    source: str  # UN file stem, or PROJECT
    weight: float


def read_jsonl(path: Path) -> list[dict]:
    # Not splitlines(): texts may hold U+2028, which it would split on.
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def project_items() -> list[dict]:
    return [item for folder in PROJECT_DEV for path in sorted(folder.glob("*.jsonl")) for item in read_jsonl(path)]


def incidental_items() -> list[dict]:
    """Conflict words in other senses (chess attacks, labour strikes): only to check the blend."""
    return [item for folder in INCIDENTAL for path in sorted(folder.glob("*.jsonl")) for item in read_jsonl(path)]


def load_examples(project_weight: float) -> list[Example]:
    examples = []
    strict = QUAD_MAPPINGS["strict"]
    for path in sorted(UN_DEV.glob("*.jsonl")):
        for row in read_jsonl(path):
            if row["quad"] in strict:
                block = int(row["id"].split("-")[1]) // 100
                examples.append(Example(row["text"], row["lang"], strict[row["quad"]], f"un{block}", path.stem, 1.0))
    for item in project_items():
        texts = [(item["text"], item["lang"])] if item["lang"] in MODEL_LANGUAGES else []
        if item["lang"] != "en" and item.get("en"):
            texts.append((item["en"], "en"))
        for text, lang in texts:
            examples.append(Example(text, lang, item["label"], item["id"], PROJECT, project_weight))
    return examples


def fold_of(group: str) -> int:
    return zlib.crc32(group.encode()) % FOLDS
