"""The learned reading: a small logistic regression over hashed word and character n-grams.

The lexicons know specific acts; they miss the many ordinary ways real prose (and real
machine-translated English) talks about conflict and cooperation. This model, trained by
`python -m bot.classify.train` on the UN quad development split and the project's own
development sets, gives class probabilities for English, Spanish and Arabic text (and for
any English translation). It is pure Python at run time: the weights are a small
quantised file shipped in the package (`model/weights.bin`).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import sys
import zlib
from array import array
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

# Languages the model was trained on: any other language gets no model vote at all.
MODEL_LANGUAGES = frozenset({"en", "es", "ar"})
WEIGHTS_FILE = "weights.bin"
CHAR_NGRAMS = (3, 4, 5)

# Arabic diacritics and tatweel say nothing about the meaning; letter variants are unified.
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_WORD = re.compile(r"[^\W\d_]+")


def normalise(text: str) -> str:
    return _ARABIC_MARKS.sub("", text.casefold()).translate(_ARABIC_FOLD)


def features(text: str) -> dict[str, str]:
    """Feature → the word or word pair it came from (for explanations), in text order.

    Word unigrams ("w "), word bigrams ("b "), and character 3–5-grams of each word with
    boundary marks ("c "): the last handle inflection, Arabic clitics and MT word choice.
    """
    words = _WORD.findall(normalise(text))
    found: dict[str, str] = {}
    for word in words:
        found.setdefault("w " + word, word)
        padded = f"<{word}>"
        for size in CHAR_NGRAMS:
            for start in range(len(padded) - size + 1):
                found.setdefault("c " + padded[start : start + size], word)
    for first, second in itertools.pairwise(words):
        pair = f"{first} {second}"
        found.setdefault("b " + pair, pair)
    return found


def bucket(feature: str, buckets: int) -> int:
    """Stable across processes and machines (Python's own hash is salted)."""
    return zlib.crc32(feature.encode("utf-8")) % buckets


@dataclass(frozen=True)
class Reading:
    """The model's class probabilities for one text, and the phrases that pushed hardest."""

    probabilities: dict[str, float]
    # (phrase, contribution in log-odds) toward `label`, strongest first.
    evidence: tuple[tuple[str, float], ...]
    # The language of the text the evidence comes from (set by the classifier).
    lang: str = ""
    # Length of the (longest) text read, in whitespace-separated words.
    words: int = 0

    @property
    def label(self) -> str:
        return max(self.probabilities, key=lambda name: self.probabilities[name])


class LinearModel:
    """Multinomial logistic regression on L2-normalised binary n-gram features."""

    def __init__(
        self,
        labels: tuple[str, ...],
        bias: list[float],
        weights: dict[int, tuple[float, ...]],
        buckets: int,
        header: dict[str, object] | None = None,
    ) -> None:
        self.labels = labels
        self.bias = bias
        self.weights = weights
        self.buckets = buckets
        # Everything the training script recorded: data, penalty, the tuned blend with the rules.
        self.header = header or {}

    @classmethod
    def load(cls, path: Path | None = None) -> LinearModel:
        """Read the packaged weights (or `path`): see `dump` for the format."""
        raw = (
            path.read_bytes() if path else resources.files("bot.classify").joinpath("model", WEIGHTS_FILE).read_bytes()
        )
        payload = zlib.decompress(raw)
        header_end = payload.index(b"\n")
        header = json.loads(payload[:header_end])
        count = header["count"]
        labels = tuple(header["labels"])
        indices = array("I")
        indices.frombytes(payload[header_end + 1 : header_end + 1 + 4 * count])
        quantised = array("b")
        quantised.frombytes(payload[header_end + 1 + 4 * count :])
        if sys.byteorder != "little":
            indices.byteswap()
        if len(indices) != count or len(quantised) != count * len(labels):
            raise ValueError(f"{path or WEIGHTS_FILE}: truncated weights file")
        scale = header["scale"]
        width = len(labels)
        weights = {
            index: tuple(q * scale for q in quantised[row * width : (row + 1) * width])
            for row, index in enumerate(indices)
        }
        return cls(labels, list(header["bias"]), weights, header["buckets"], header)

    @staticmethod
    def dump(
        path: Path,
        labels: tuple[str, ...],
        bias: list[float],
        rows: dict[int, list[float]],
        buckets: int,
        info: dict[str, object],
    ) -> None:
        """zlib( JSON header line + uint32 bucket ids (little-endian) + int8 weights, one per label )."""
        largest = max((abs(w) for row in rows.values() for w in row), default=1.0) or 1.0
        scale = largest / 127
        indices = array("I", sorted(rows))
        quantised = array("b", [round(w / scale) for index in indices for w in rows[index]])
        if sys.byteorder != "little":
            indices.byteswap()
        header = {
            "labels": list(labels),
            "bias": bias,
            "buckets": buckets,
            "scale": scale,
            "count": len(indices),
            **info,
        }
        payload = json.dumps(header).encode() + b"\n" + indices.tobytes() + quantised.tobytes()
        path.write_bytes(zlib.compress(payload, 9))

    def read(self, text: str, explain: int = 3) -> Reading | None:
        """Probabilities for `text`, or None when it has no known feature (nothing to say)."""
        found = features(text)
        known = [
            (feature, source, self.weights.get(bucket(feature, self.buckets))) for feature, source in found.items()
        ]
        if not any(row for _, _, row in known):
            return None
        norm = 1.0 / math.sqrt(len(found))
        logits = list(self.bias)
        for _, _, row in known:
            if row:
                for position, weight in enumerate(row):
                    logits[position] += weight * norm
        top = max(logits)
        exps = [math.exp(value - top) for value in logits]
        total = sum(exps)
        probabilities = {label: value / total for label, value in zip(self.labels, exps, strict=True)}
        winner = self.labels.index(max(probabilities, key=lambda name: probabilities[name]))
        by_phrase: dict[str, float] = {}
        for _, source, row in known:
            if row:
                margin = row[winner] - sum(row) / len(row)
                by_phrase[source] = by_phrase.get(source, 0.0) + margin * norm
        strongest = sorted(by_phrase.items(), key=lambda item: -item[1])[:explain]
        evidence = tuple((phrase, round(value, 2)) for phrase, value in strongest if value > 0)
        return Reading(probabilities, evidence, words=len(text.split()))
