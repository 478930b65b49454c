"""One classifier for the whole classify test session: loading compiles every lexicon."""

import pytest

from bot.classify import Classifier


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier.load()


@pytest.fixture(scope="session")
def rules_only() -> Classifier:
    """The lexicons without the learned reading: for tests of a rule's own behaviour."""
    return Classifier.load(learned=False)
