"""One pass over many sources: their states read together, unchanged answers written together.

A poll of thousands of feeds mostly hears "nothing new" (304). Reading each source's row
and writing its success in a transaction of its own cost more than the HTTP request
itself, so a pass reads every state it will need in a few queries up front and writes
the unchanged sources' success (validators, next poll time, errors cleared) in one
transaction, every `FLUSH_EVERY` answers and at the end, before the caller gives the
leases back. A refresh that found something new still writes its own row: its
statements and its row's hash belong together.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from typing import Protocol, TypeVar

from bot.storage import sources as source_store
from bot.storage.db import Database
from bot.storage.sources import SourceAccount, SourceState, Unchanged

log = logging.getLogger(__name__)

# Unchanged answers written per transaction: few enough that a pass of thousands commits
# as it goes (a crash loses little), many enough that the commits cost nothing per source.
FLUSH_EVERY = 500


class _Result(Protocol):
    source_id: int
    error: str | None


Result = TypeVar("Result", bound=_Result)


class SourcePass:
    """The states of the pass's sources, and the unchanged answers not written yet."""

    def __init__(self, db: Database, states: dict[int, tuple[SourceState, SourceAccount]]) -> None:
        self.db = db
        self._states = states
        self._pending: list[Unchanged] = []
        self._writing = asyncio.Lock()
        # sources whose success could not be written, with the reason to report
        self.unwritten: dict[int, str] = {}

    @classmethod
    async def read(cls, db: Database, source_ids: Sequence[int]) -> SourcePass:
        return cls(db, await asyncio.to_thread(source_store.get_source_accounts, db, source_ids))

    def state(self, source_id: int) -> tuple[SourceState, SourceAccount] | None:
        """The source's state as the pass began (None: it no longer exists)."""
        return self._states.get(source_id)

    async def unchanged(self, answered: Unchanged) -> None:
        """Remember a success with nothing new; written with the others (see `flush`)."""
        self._pending.append(answered)
        if len(self._pending) >= FLUSH_EVERY:
            await self.flush()

    async def flush(self) -> None:
        """Write the answers remembered so far in one transaction.

        A database error is logged and each source concerned is kept in `unwritten`, so
        the caller reports it failed rather than claim a success that was not stored.
        """
        async with self._writing:
            batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                await asyncio.to_thread(source_store.record_unchanged, self.db, batch)
            except Exception as error:
                log.error("cannot record %d unchanged sources: %s: %s", len(batch), type(error).__name__, error)
                reason = (
                    f"database unavailable ({type(error).__name__}): the answer was not stored, "
                    "the source is polled again next time"
                )
                self.unwritten.update((answered.source_id, reason) for answered in batch)

    def checked(self, result: Result) -> Result:
        """The refresh's result, as a failure when its success could not be written."""
        reason = self.unwritten.get(result.source_id)
        return result if reason is None else dataclasses.replace(result, error=reason)  # type: ignore[type-var]
