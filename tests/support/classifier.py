"""One classifier per kind for the whole test session.

Loading reads and validates every lexicon (most of a second) and each language compiles
on first use (a second for English): paid again by every test that starts the bot or a
command in-process, that was minutes of the suite. The classifier is immutable, so the
tests share one, and `Classifier.load` hands it out (see the root conftest). Tests of
loading itself ask for a fresh one with `@pytest.mark.fresh_classifier`.
"""

from __future__ import annotations

import functools

from bot.classify import Classifier

LOAD = Classifier.load  # the real one, taken before any test replaces it


@functools.cache
def shared_classifier(learned: bool = True, group: str = "suite") -> Classifier:
    """The session's classifier for `group`; the rules-only one shares its compiled lexicons.

    tests/classify has its own: with it shared, the first Telegram flow after the classify
    tests failed to alert in full runs only (cause not found yet; see the closing note).
    """
    if learned:
        return LOAD()
    full = shared_classifier(True, group)
    return Classifier(full.categories, full.lexicons)
