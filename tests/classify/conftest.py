"""One classifier for the whole classify test session: loading compiles every lexicon."""

import pytest

from bot.classify import Classifier
from tests.support.classifier import shared_classifier


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return shared_classifier()


@pytest.fixture(scope="session")
def rules_only() -> Classifier:
    """The lexicons without the learned reading: for tests of a rule's own behaviour."""
    return shared_classifier(learned=False)
