"""The data the learned reading is trained and its blend tuned on: development sets only.

The UN quad development split (strict mapping; native en/es/ar and the real Google/DeepL
English), the project's tuned sets (statements, incidental words, rule paraphrases) and the
model-only statements. Held-out and blind sets never appear here. Folds go by sentence: a
UN 100-row block, or a project item id, with all its translations, so an out-of-fold figure
never scores a sentence the model saw in another language.
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
DATA = ROOT / "tests" / "data" / "classify"
UN_DEV = DATA / "un_quad" / "dev"
# What the lexicons were tuned on, by kind: the model trains on all of it, and the blend may
# not cost any of it (tune.TOLERANCE).
STATEMENTS = tuple(
    DATA / name
    for name in ("dev", "dev_long", "dev_native", "dev_native2", "dev_native3", "dev5", "dev6", "dev7", "blind3")
)
INCIDENTAL = tuple(
    DATA / name
    for name in ("incidental", "incidental2", "incidental3", "incidental4", "incidental5", "incidental_blind")
)
PARAPHRASES = (DATA / "native_rules",)
# Written for the model alone: no lexicon is tuned on it, so the rules' figure there is as
# unseen as the model's out-of-fold one, and the blend is chosen on it with the UN files.
MODEL_ONLY = (DATA / "model_train",)
PROJECT_KINDS = {"statements": STATEMENTS, "incidental": INCIDENTAL, "paraphrases": PARAPHRASES, "fresh": MODEL_ONLY}
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


def trained_on() -> str:
    """For the weights file's header: which sets the model saw."""
    folders = [folder for kind in PROJECT_KINDS.values() for folder in kind if folder.is_dir()]
    return " + ".join(["un_quad/dev (strict)", *(folder.name for folder in folders)])


def project_items(kind: str) -> list[dict]:
    return [
        item for folder in PROJECT_KINDS[kind] for path in sorted(folder.glob("*.jsonl")) for item in read_jsonl(path)
    ]


def load_examples(project_weight: float) -> list[Example]:
    examples = []
    strict = QUAD_MAPPINGS["strict"]
    for path in sorted(UN_DEV.glob("*.jsonl")):
        for row in read_jsonl(path):
            if row["quad"] in strict:
                block = int(row["id"].split("-")[1]) // 100
                examples.append(Example(row["text"], row["lang"], strict[row["quad"]], f"un{block}", path.stem, 1.0))
    for item in (item for kind in PROJECT_KINDS for item in project_items(kind)):
        texts = [(item["text"], item["lang"])] if item["lang"] in MODEL_LANGUAGES else []
        if item["lang"] != "en" and item.get("en"):
            texts.append((item["en"], "en"))
        for text, lang in texts:
            examples.append(Example(text, lang, item["label"], item["id"], PROJECT, project_weight))
    return examples


def fold_of(group: str) -> int:
    return zlib.crc32(group.encode()) % FOLDS
