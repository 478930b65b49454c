"""Building long-lived tables with the cyclic garbage collector paused.

Compiling a lexicon, reading the learned model or loading langdetect's profiles
allocates hundreds of thousands of objects that stay for the life of the process.
Python's collector runs on allocation counts and would walk the growing heap again and
again meanwhile: a quarter of `classify --jsonl` on 4,000 statements went to it. These
builds make no garbage cycles worth collecting, so the collector waits until they end.
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
    one pause; the collector comes back as it was when the last one ends)."""
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
            if _builds == 0 and _was_enabled:
                gc.enable()
