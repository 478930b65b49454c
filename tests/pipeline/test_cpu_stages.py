"""CPU stages in worker processes: the same results as in threads, and threads again when a worker dies."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from bot.analysis import detect_all
from bot.classify import Classifier
from bot.cpu_stages import POOL_MIN_SOURCES, CpuStages, _ready
from bot.reader.parser import parse_document

FEED = Path(__file__).parents[1] / "data" / "pipeline" / "ministry_rss.xml"
TEXTS = [
    "The army launched missile strikes on the border posts overnight.",
    "Wir rufen beide Seiten zu einem sofortigen Waffenstillstand auf.",
    "Il ministro ha incontrato il suo omologo per discutere di commercio.",
]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.load()


@pytest.fixture
async def workers(classifier):
    stages = CpuStages(classifier, workers=1)
    stages.start_for(POOL_MIN_SOURCES)
    assert stages.lanes
    yield stages
    stages.close()


async def test_workers_give_what_threads_give(workers, classifier):
    in_threads = CpuStages(classifier)
    body = FEED.read_bytes()
    assert await workers.run(_ready) != os.getpid()  # really another process
    arguments = (body, "application/rss+xml", "https://example.org/feed.xml", "feed")
    assert await workers.run(parse_document, *arguments) == await in_threads.run(parse_document, *arguments)
    assert await workers.run(detect_all, TEXTS, ("it",)) == await in_threads.run(detect_all, TEXTS, ("it",))
    readings = [(text, lang, None) for text, lang in zip(TEXTS, ["en", "de", "it"], strict=True)]
    assert await workers.classify(readings) == await in_threads.classify(readings)


async def test_a_small_pass_stays_in_threads(classifier):
    stages = CpuStages(classifier, workers=1)
    stages.start_for(POOL_MIN_SOURCES - 1)
    assert not stages.lanes
    assert await stages.run(_ready) == os.getpid()


async def test_a_dead_worker_hands_the_work_back_to_threads(workers, caplog):
    os.kill(await workers.run(_ready), signal.SIGKILL)
    readings = [(TEXTS[0], "en", None)]
    verdicts = await workers.classify(readings)  # the broken pool is noticed here, and dropped
    assert verdicts == [workers.classifier.classify(*readings[0])]
    assert not workers.lanes and "CPU worker died" in caplog.text
    workers.start_for(POOL_MIN_SOURCES)
    assert not workers.lanes  # not restarted: one log line, then threads
