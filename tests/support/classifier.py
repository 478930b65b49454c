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
def shared_classifier(learned: bool = True) -> Classifier:
    """The session's classifier; the rules-only one shares its compiled lexicons."""
    if learned:
        return LOAD()
    full = shared_classifier()
    return Classifier(full.categories, full.lexicons)
