"""Long-lived builds run with the cyclic collector paused, and what they built is frozen."""

from __future__ import annotations

import gc
import threading

from bot.heap import collector_paused


def test_the_collector_is_paused_inside_and_back_after_with_the_build_frozen():
    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    with collector_paused():
        assert not gc.isenabled()
        built = [[n] for n in range(1000)]  # lists are always tracked (a dict of ints is not)
    assert gc.isenabled()
    assert all(gc.is_tracked(node) for node in built)
    assert gc.get_freeze_count() >= frozen_before + len(built)
    gc.unfreeze()  # leave the test process as it was


def test_nested_and_concurrent_builds_share_one_pause():
    started, release = threading.Event(), threading.Event()

    def other_build() -> None:
        with collector_paused():
            started.set()
            release.wait(5)

    worker = threading.Thread(target=other_build)
    with collector_paused():
        worker.start()
        started.wait(5)
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block ended, the outer one still builds
    assert not gc.isenabled()  # the other thread's build is still running
    release.set()
    worker.join(5)
    assert gc.isenabled()
    gc.unfreeze()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
