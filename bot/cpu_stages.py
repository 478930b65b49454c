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

Each worker is its own single-process lane, and each language's classifications go to one
lane only: a worker compiles the lexicon of every language it classifies (half a second
to two seconds each, 7 s for all 17 on the Xeon), so with any worker taking any batch both
compiled nearly every lexicon, as much CPU in a 600-feed poll as the classifying itself.
Parsing and detection, which need no lexicon, go to the lane with the least in flight.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
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


class _Lane:
    """One worker process, what it has in flight, and how many readings it was given to classify."""

    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self.pool = pool
        self.pending = 0
        self.readings = 0

    async def run(self, function: Callable[..., Result], *args: object) -> Result:
        self.pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, function, *args)
        finally:
            self.pending -= 1


class CpuStages:
    """Runs the CPU stages in worker processes once a large pass started them, else in threads.

    Given no classifier, it loads one (`Classifier.load`) when a stage first needs it: reading
    and validating the lexicons takes 1.3–1.6 s, a third of a poll that finds nothing new,
    which never needs it. A pass that wants workers then forks them at its first stage.
    """

    def __init__(self, classifier: Classifier | None, workers: int = 0) -> None:
        self._classifier, self.workers = classifier, workers
        self._loading = threading.Lock()
        self.lanes: list[_Lane] = []
        self._owners: dict[str, _Lane] = {}  # language → the lane that classifies it
        self._in_threads = 0  # stages running in threads now: no fork while any runs
        self._wanted = False  # a pass asked for workers before the classifier was loaded
        self._starting = asyncio.Lock()

    @property
    def classifier(self) -> Classifier:
        """The classifier, loaded on first use (blocking: ask from a thread, or once loaded)."""
        if self._classifier is None:
            with self._loading:
                if self._classifier is None:
                    self._classifier = Classifier.load()
        return self._classifier

    def start_for(self, sources: int) -> None:
        """Start the workers for a pass over `sources` sources, when it is worth it and safe."""
        if not self.lanes and self.workers > 0 and sources >= POOL_MIN_SOURCES and not self._in_threads:
            if self._classifier is None:
                self._wanted = True  # forked by the pass's first stage, once the classifier is loaded
            else:
                self._fork()

    async def _start_wanted(self) -> None:
        """Load the classifier off the event loop, then fork the workers a pass asked for."""
        async with self._starting:
            if self._wanted:
                await asyncio.to_thread(lambda: self.classifier)
                self._wanted = False
                if not self.lanes and self.workers > 0 and not self._in_threads:
                    self._fork()

    def _fork(self) -> None:
        self.lanes = self._start()
        self.workers = self.workers if self.lanes else 0  # workers that failed are not retried

    def _start(self) -> list[_Lane]:
        global _classifier
        _classifier = self.classifier
        context = multiprocessing.get_context("fork")
        lanes = [_Lane(ProcessPoolExecutor(1, mp_context=context, initializer=_in_worker)) for _ in range(self.workers)]
        try:
            with warnings.catch_warnings():  # "fork in a multi-threaded process": the others are idle
                warnings.simplefilter("ignore", DeprecationWarning)
                for started in [lane.pool.submit(_ready) for lane in lanes]:
                    started.result(timeout=60)
        except Exception as error:
            log.warning(
                "CPU workers could not start (%s: %s); parsing and classifying in threads", type(error).__name__, error
            )
            for lane in lanes:
                lane.pool.shutdown(wait=False, cancel_futures=True)
            return []
        return lanes

    async def run(self, function: Callable[..., Result], *args: object) -> Result:
        """`function(*args)` in the least busy worker process (function and arguments must pickle) or a thread."""
        if self._wanted:
            await self._start_wanted()
        if self.lanes:
            try:
                return await min(self.lanes, key=lambda lane: lane.pending).run(function, *args)
            except BrokenProcessPool as error:
                self._broken(error)
        return await self._in_thread(function, *args)

    async def classify(self, readings: Sequence[Reading]) -> list[Verdict]:
        """Verdicts in the order of `readings`, each language classified by its own lane."""
        if self._wanted:
            await self._start_wanted()
        if self.lanes:
            by_lane: dict[_Lane, list[int]] = {}
            for position, (_, lang, _) in enumerate(readings):
                by_lane.setdefault(self._lane_for(lang), []).append(position)
            try:
                answers = await asyncio.gather(
                    *(lane.run(classify_all, [readings[n] for n in positions]) for lane, positions in by_lane.items())
                )
            except BrokenProcessPool as error:
                self._broken(error)
            else:
                verdicts: dict[int, Verdict] = {}
                for positions, answer in zip(by_lane.values(), answers, strict=True):
                    verdicts.update(zip(positions, answer, strict=True))
                return [verdicts[position] for position in range(len(readings))]
        return await self._in_thread(lambda: [self.classifier.classify(*reading) for reading in readings])

    def _lane_for(self, lang: str) -> _Lane:
        """The lane that classifies `lang`: a new language goes to the lane given fewest readings so far."""
        lane = self._owners.get(lang)
        if lane is None:
            lane = self._owners[lang] = min(self.lanes, key=lambda lane: lane.readings)
        lane.readings += 1
        return lane

    async def _in_thread(self, function: Callable[..., Result], *args: object) -> Result:
        self._in_threads += 1
        try:
            return await asyncio.to_thread(function, *args)
        finally:
            self._in_threads -= 1

    def _broken(self, error: BrokenProcessPool) -> None:
        log.error("a CPU worker died (%s); parsing and classifying in threads from now on", error)
        self.close()

    def close(self) -> None:
        self.workers = 0
        lanes, self.lanes, self._owners = self.lanes, [], {}
        for lane in lanes:
            lane.pool.shutdown(wait=False, cancel_futures=True)
