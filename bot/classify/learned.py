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
import operator
import re
import sys
import zlib
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache, reduce
from importlib import resources
from pathlib import Path

# Languages the model was trained on: any other language gets no model vote at all.
MODEL_LANGUAGES = frozenset({"en", "es", "ar"})
WEIGHTS_FILE = "weights.bin"
CHAR_NGRAMS = (3, 4, 5)
# Words and word pairs whose rows are kept between readings (a few MB: official prose reuses
# a small vocabulary).
WORDS_CACHED = 16_384
PAIRS_CACHED = 65_536

# Arabic diacritics and tatweel say nothing about the meaning; letter variants are unified.
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_WORD = re.compile(r"[^\W\d_]+")


def normalise(text: str) -> str:
    return _ARABIC_MARKS.sub("", text.casefold()).translate(_ARABIC_FOLD)


def _word_features(word: str) -> tuple[str, ...]:
    """One word's own features, each once, in order: the word ("w "), then its character
    3–5-grams with boundary marks ("c "), which handle inflection, Arabic clitics and MT
    word choice."""
    padded = f"<{word}>"
    grams = (
        "c " + padded[start : start + size] for size in CHAR_NGRAMS for start in range(len(padded) - size + 1)
    )
    return tuple(dict.fromkeys(("w " + word, *grams)))


def features(text: str) -> dict[str, str]:
    """Feature → the word or word pair it came from (for explanations), in text order.

    Each word's own features (`_word_features`), then word bigrams ("b ").
    """
    words = _WORD.findall(normalise(text))
    found: dict[str, str] = {}
    for word in words:
        for feature in _word_features(word):
            found.setdefault(feature, word)
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


Row = tuple[float, ...]


class QuantisedRows(Mapping[int, Row]):
    """The shipped weights as stored: int8 values and one scale, found through a dense
    bucket → row table. A dict of 200,000 float tuples took ~55 MB and half a second to
    build; this is ~5 MB, and a row is turned into floats (the same `q * scale`) when read."""

    def __init__(self, indices: array[int], quantised: array[int], scale: float, width: int, buckets: int) -> None:
        self._indices, self._quantised, self._scale, self._width = indices, quantised, scale, width
        self._slots = array("i", bytes(4 * buckets))  # bucket → row + 1; 0: no row
        for row, index in enumerate(indices):
            self._slots[index] = row + 1

    def get(self, key: object, default: Row | None = None) -> Row | None:  # type: ignore[override]
        slot = self._slots[key] if isinstance(key, int) and 0 <= key < len(self._slots) else 0
        if not slot:
            return default
        start = (slot - 1) * self._width
        return tuple(q * self._scale for q in self._quantised[start : start + self._width])

    def __getitem__(self, key: int) -> Row:
        row = self.get(key)
        if row is None:
            raise KeyError(key)
        return row

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices)

    def __len__(self) -> int:
        return len(self._indices)


class LinearModel:
    """Multinomial logistic regression on L2-normalised binary n-gram features."""

    def __init__(
        self,
        labels: tuple[str, ...],
        bias: list[float],
        weights: Mapping[int, Row],
        buckets: int,
        header: dict[str, object] | None = None,
    ) -> None:
        self.labels = labels
        self.bias = bias
        self.weights = weights
        self.buckets = buckets
        # Each word's features and their rows, kept for the words read most (texts share
        # most of their words): hashing every character n-gram was most of a reading.
        self._word_rows = lru_cache(maxsize=WORDS_CACHED)(self._rows_of_word)
        self._pair_row = lru_cache(maxsize=PAIRS_CACHED)(self._row)
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
        weights = QuantisedRows(indices, quantised, header["scale"], len(labels), header["buckets"])
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

    def _row(self, feature: str) -> Row | None:
        return self.weights.get(bucket(feature, self.buckets))

    def _rows_of_word(self, word: str) -> tuple[tuple[str, ...], tuple[tuple[str, Row], ...]]:
        """A word's features, and those of them the model knows with their rows."""
        own = _word_features(word)
        return own, tuple((feature, row) for feature in own if (row := self._row(feature)) is not None)

    def _known(self, words: list[str]) -> tuple[int, list[tuple[str, list[Row]]]]:
        """How many distinct features `words` have, and the rows of the known ones grouped by
        the word or pair they came from, in the order of `features` (which keeps each
        feature's first source), without hashing again what the caches hold."""
        counted: set[str] = set()
        seen: set[str] = set()  # the known features met so far
        known: list[tuple[str, list[Row]]] = []
        for word in dict.fromkeys(words):  # a repeated word has no feature of its own left
            own, rows = self._word_rows(word)
            counted.update(own)
            kept = []
            for feature, row in rows:
                if feature not in seen:
                    seen.add(feature)
                    kept.append(row)
            if kept:
                known.append((word, kept))
        for first, second in itertools.pairwise(words):
            pair = f"{first} {second}"
            feature = "b " + pair
            if feature not in counted:
                counted.add(feature)
                row = self._pair_row(feature)
                if row is not None:
                    known.append((pair, [row]))
        return len(counted), known

    def read(self, text: str, explain: int = 3) -> Reading | None:
        """Probabilities for `text`, or None when it has no known feature (nothing to say).

        Every sum adds the same terms in the same order as a plain loop over `features(text)`
        would (`reduce` over `map` only moves the loop into C), so readings are bit for bit
        those the model was tuned with.
        """
        count, known = self._known(_WORD.findall(normalise(text)))
        if not known:
            return None
        norm = 1.0 / math.sqrt(count)
        columns = list(zip(*(row for _, rows in known for row in rows), strict=True))
        logits = [
            reduce(operator.add, map(operator.mul, column, itertools.repeat(norm)), bias)
            for bias, column in zip(self.bias, columns, strict=True)
        ]
        top = max(logits)
        exps = [math.exp(value - top) for value in logits]
        total = sum(exps)
        probabilities = {label: value / total for label, value in zip(self.labels, exps, strict=True)}
        winner = self.labels.index(max(probabilities, key=lambda name: probabilities[name]))
        by_phrase = {
            source: reduce(operator.add, ((row[winner] - sum(row) / len(row)) * norm for row in rows), 0.0)
            for source, rows in known
        }
        strongest = sorted(by_phrase.items(), key=lambda item: -item[1])[:explain]
        evidence = tuple((phrase, round(value, 2)) for phrase, value in strongest if value > 0)
        return Reading(probabilities, evidence, words=len(text.split()))
