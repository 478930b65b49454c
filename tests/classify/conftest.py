"""One classifier for the whole classify test session: loading compiles every lexicon."""

import pytest

from bot.classify import Classifier
from tests.support.classifier import shared_classifier

GROUP = "classify"


@pytest.fixture(autouse=True)
def classifier_loaded_once(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the root conftest's, with the classify tests' own classifier."""
    if request.node.get_closest_marker("fresh_classifier") is None:
        monkeypatch.setattr(
            Classifier, "load", classmethod(lambda cls, learned=True: shared_classifier(learned, GROUP))
        )


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return shared_classifier(group=GROUP)


@pytest.fixture(scope="session")
def rules_only() -> Classifier:
    """The lexicons without the learned reading: for tests of a rule's own behaviour."""
    return shared_classifier(learned=False, group=GROUP)
