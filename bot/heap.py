"""Building long-lived tables with the cyclic garbage collector paused.

Compiling a lexicon, reading the learned model or loading langdetect's profiles
allocates hundreds of thousands of objects that stay for the life of the process.
Python's collector runs on allocation counts and would walk the growing heap again and
again meanwhile: a quarter of `classify --jsonl` on 4,000 statements went to it. These
builds make no garbage cycles worth collecting, so the collector waits until they end, and
what exists then is frozen (`gc.freeze`): later collections no longer walk it (another
tenth of `classify --jsonl`). Frozen objects are still freed by reference counting; only a
reference cycle that was already garbage at that moment would stay, once.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_builds = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause automatic collection while the block runs (nested and concurrent blocks share
    one pause); when the last one ends, freeze what was built and bring the collector back
    as it was."""
    global _builds, _was_enabled
    with _lock:
        if _builds == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _builds += 1
    try:
        yield
    finally:
        with _lock:
            _builds -= 1
            if _builds == 0:
                gc.freeze()
                if _was_enabled:
                    gc.enable()
