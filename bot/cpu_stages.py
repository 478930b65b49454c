"""Where the CPU stages run: parsing, language detection and classification.

Threads share one core (the GIL), and these stages are most of an ingest's CPU, so a pass
over many sources runs them in worker processes, one per core. The event loop's own
process (fetching, storing) needs about a third of a core at full ingest: with one worker
fewer than cores, that worker was the bottleneck and the other core sat two-thirds idle.
The workers are forked at the start of such a pass, while no stage is running in a
thread (no lock can be held), from a process whose classifier is loaded: they share what it has built (each
compiles the lexicons it meets that the parent had not). Each call sends plain data (bytes,
texts) and gets plain data back. A pool that breaks (a worker killed) is dropped with
one log line and the stages run in threads again: slower, nothing lost. A few sources
never pay for the pool (starting one costs about as much as parsing 20 feeds).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from bot.classify import Classifier
from bot.model import Verdict

log = logging.getLogger(__name__)

Result = TypeVar("Result")
# (text, language, English translation or None): what one classification reads.
Reading = tuple[str, str, str | None]

# A pass over fewer sources stays in threads.
POOL_MIN_SOURCES = 50

_classifier: Classifier | None = None  # the parent's, inherited by the forked workers


def _in_worker() -> None:
    """A worker leaves signals to its parent, which stops it through the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.set_wakeup_fd(-1)


def _ready() -> int:
    return os.getpid()


def classify_all(readings: Sequence[Reading]) -> list[Verdict]:
    """In a worker: every reading through the classifier it was forked with."""
    if _classifier is None:
        raise RuntimeError("a CPU worker was started without a classifier")
    return [_classifier.classify(*reading) for reading in readings]


def default_workers() -> int:
    """One worker per core (none on one core: there the threads do as well); the OS shares the
    cores between them and the event loop's process, which is mostly waiting on I/O."""
    cores = os.cpu_count() or 1
    return cores if cores > 1 and "fork" in multiprocessing.get_all_start_methods() else 0


class CpuStages:
    """Runs the CPU stages in worker processes once a large pass started them, else in threads."""

    def __init__(self, classifier: Classifier, workers: int = 0) -> None:
        self.classifier, self.workers = classifier, workers
        self.pool: ProcessPoolExecutor | None = None
        self._in_threads = 0  # stages running in threads now: no fork while any runs

    def start_for(self, sources: int) -> None:
        """Start the workers for a pass over `sources` sources, when it is worth it and safe."""
        if self.pool is None and self.workers > 0 and sources >= POOL_MIN_SOURCES and not self._in_threads:
            self.pool = self._start()
            self.workers = self.workers if self.pool is not None else 0  # a pool that failed is not retried

    def _start(self) -> ProcessPoolExecutor | None:
        global _classifier
        _classifier = self.classifier
        pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"), initializer=_in_worker)
        try:
            with warnings.catch_warnings():  # "fork in a multi-threaded process": the others are idle
                warnings.simplefilter("ignore", DeprecationWarning)
                for started in [pool.submit(_ready) for _ in range(self.workers)]:
                    started.result(timeout=60)
        except Exception as error:
            log.warning(
                "CPU workers could not start (%s: %s); parsing and classifying in threads", type(error).__name__, error
            )
            pool.shutdown(wait=False, cancel_futures=True)
            return None
        return pool

    async def run(self, function: Callable[..., Result], *args: object) -> Result:
        """`function(*args)` in a worker process (function and arguments must pickle) or a thread."""
        if self.pool is not None:
            try:
                return await asyncio.get_running_loop().run_in_executor(self.pool, function, *args)
            except BrokenProcessPool as error:
                log.error("a CPU worker died (%s); parsing and classifying in threads from now on", error)
                self.close()
        self._in_threads += 1
        try:
            return await asyncio.to_thread(function, *args)
        finally:
            self._in_threads -= 1

    async def classify(self, readings: Sequence[Reading]) -> list[Verdict]:
        if self.pool is not None:
            return await self.run(classify_all, list(readings))
        return await self.run(lambda: [self.classifier.classify(*reading) for reading in readings])

    def close(self) -> None:
        self.workers = 0
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
