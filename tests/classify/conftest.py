"""One classifier for the whole classify test session: loading compiles every lexicon."""

import pytest

from bot.classify import Classifier


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier.load()
