"""The classifier's heavy parts, built on first use rather than at start-up.

Compiling every lexicon into its regexes takes about a second and loading the learned
weights a sixth of one, yet a poll that finds every feed unchanged classifies nothing,
and a statement needs only its own language and English. The data are read and validated
when the classifier is loaded (`Classifier.load`: at start for `classify` and `eval`; for
polling, when a statement first needs it, so `ladderwatch check` reads them too); what is
deferred here is only the compilation, with the same inputs, so the result is the same.
Compiling each pattern alone, to name a broken one, waits for a compilation that fails.
Classification runs in worker threads: each part is built once, under a lock.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping

from bot.classify.blend import BlendParameters
from bot.classify.engine import CompiledLexicon
from bot.classify.learned import LinearModel
from bot.classify.lexicon import CategorySet, Lexicon, check_regexes
from bot.heap import collector_paused


class CompiledLexicons(Mapping[str, CompiledLexicon]):
    """Language → compiled lexicon; each language is compiled the first time it is asked for."""

    def __init__(self, lexicons: Mapping[str, Lexicon], categories: CategorySet) -> None:
        self._lexicons = dict(lexicons)
        self._categories = categories
        self._compiled: dict[str, CompiledLexicon] = {}
        self._lock = threading.Lock()

    def __getitem__(self, lang: str) -> CompiledLexicon:
        compiled = self._compiled.get(lang)
        if compiled is not None:
            return compiled
        lexicon = self._lexicons[lang]  # KeyError for a language without a lexicon, as a dict
        with self._lock:
            if lang not in self._compiled:
                with collector_paused():
                    try:
                        self._compiled[lang] = CompiledLexicon(lexicon, self._categories)
                    except re.error:
                        check_regexes(lexicon)  # a LexiconError naming the entry
                        raise
            return self._compiled[lang]

    def __contains__(self, lang: object) -> bool:
        return lang in self._lexicons

    def __iter__(self) -> Iterator[str]:
        return iter(self._lexicons)

    def __len__(self) -> int:
        return len(self._lexicons)

    def compiled_languages(self) -> tuple[str, ...]:
        """The languages compiled so far (what start-up and each poll paid for)."""
        return tuple(sorted(self._compiled))


class PackagedModel:
    """The shipped learned model and its blend parameters, read on first use."""

    def __init__(self) -> None:
        self._loaded: tuple[LinearModel, BlendParameters] | None = None
        self._lock = threading.Lock()

    def get(self) -> tuple[LinearModel, BlendParameters]:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    with collector_paused():
                        model = LinearModel.load()
                    self._loaded = model, BlendParameters.from_header(model.header)
        return self._loaded
