"""Statements: only new ones are stored, and only those go further (Miniflux's rule)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select

from bot.model import AnalysedStatement, Cue, Label, Verdict
from bot.storage.db import Database, insert_new
from bot.storage.tables import StatementRow

# Built once (their cache keys with them); the lists are expanded per call.
_KNOWN_KEYS = select(StatementRow.key).where(StatementRow.key.in_(bindparam("keys", expanding=True)))
_KNOWN_CONTENT = select(StatementRow.content_hash).where(
    StatementRow.account_id == bindparam("account"), StatementRow.content_hash.in_(bindparam("hashes", expanding=True))
)


def unseen(db: Database, candidates: Sequence[tuple[str, str, str]]) -> set[str]:
    """Keys of (key, account_id, content_hash) candidates not stored yet under either dedupe key.

    Two index lookups (the unique key; the unique account + content hash, per account),
    never an OR across both, which would scan the table. Core statements on the session's
    connection: plain values come back, with no ORM result machinery per refresh.
    """
    if not candidates:
        return set()
    hashes_by_account: dict[str, list[str]] = {}
    for _, account, content in candidates:
        hashes_by_account.setdefault(account, []).append(content)
    with db.session() as session:
        connection = session.connection()
        known_keys = set(connection.execute(_KNOWN_KEYS, {"keys": [c[0] for c in candidates]}).scalars())
        known_content = {
            (account, content)
            for account, hashes in hashes_by_account.items()
            for content in connection.execute(_KNOWN_CONTENT, {"account": account, "hashes": hashes}).scalars()
        }
    return {
        key for key, account, content in candidates if key not in known_keys and (account, content) not in known_content
    }


@dataclass(frozen=True)
class StoredStatement:
    """A stored statement as the rest of the code reads it (a plain copy, no session behind it)."""

    id: int
    key: str
    account_id: str
    source_id: int | None
    guid: str | None
    url: str | None
    title: str
    text: str
    lang: str
    published_at: datetime
    published_estimated: bool
    fetched_at: datetime
    is_repost: bool
    translation_en: str | None
    translation_pending: bool
    label: str
    score: float
    confidence: float
    mixed: bool
    abstained: bool
    cues: list[dict[str, object]]


def _select_stored() -> Select[Any]:
    """The columns a `StoredStatement` holds, in its field order: rows of plain values, read
    without building (and tracking) an ORM object per statement first."""
    return select(*(getattr(StatementRow, name) for name in StoredStatement.__dataclass_fields__))


def _all_stored(rows: Iterable[Sequence[Any]]) -> list[StoredStatement]:
    return [StoredStatement(*row) for row in rows]


_CUE_FIELDS = tuple(field.name for field in fields(Cue))


def cues_to_json(cues: Iterable[Cue]) -> list[dict[str, object]]:
    """`asdict` of each cue (its fields are plain values), without its recursive copying:
    that was a tenth of storing a statement."""
    return [{name: getattr(cue, name) for name in _CUE_FIELDS} for cue in cues]


def verdict_of(row: StoredStatement) -> Verdict:
    return Verdict(
        label=Label(row.label),
        score=row.score,
        confidence=row.confidence,
        mixed=row.mixed,
        cues=tuple(Cue(**cue) for cue in row.cues),  # type: ignore[arg-type]
        abstained=row.abstained,
    )


def save_new_statements(db: Database, analysed: Sequence[AnalysedStatement], now: datetime) -> list[int]:
    """Insert the statements not stored yet; return the ids of those inserted, in order.

    One `INSERT … ON CONFLICT DO NOTHING RETURNING` (per chunk): a statement stored
    meanwhile under either dedupe key (its key, or its account's content hash) is skipped.
    """
    rows = [
        {
            "key": item.statement.key,
            "content_hash": item.statement.content_hash,
            "account_id": item.statement.account_id,
            "source_id": item.statement.source_id,
            "guid": item.statement.guid,
            "url": item.statement.url,
            "title": item.statement.title,
            "text": item.statement.text,
            "lang": item.statement.lang,
            "published_at": item.statement.published,
            "published_estimated": item.statement.published_estimated,
            "fetched_at": now,
            "is_repost": item.statement.is_repost,
            "translation_en": item.translation_en,
            "translation_pending": item.translation_pending,
            "translation_attempts": 1 if item.translation_pending else 0,
            "label": item.verdict.label.value,
            "score": item.verdict.score,
            "confidence": item.verdict.confidence,
            "mixed": item.verdict.mixed,
            "abstained": item.verdict.abstained,
            "cues": cues_to_json(item.verdict.cues),
        }
        for item in analysed
    ]
    if not rows:
        return []
    with db.session() as session:
        new = {key: id_ for key, id_ in insert_new(session, StatementRow, rows, (StatementRow.key, StatementRow.id))}
    return [new[row["key"]] for row in rows if row["key"] in new]


def pending_translations(db: Database, limit: int = 20, max_attempts: int = 8) -> list[StoredStatement]:
    """Statements stored untranslated whose translation should be tried again."""
    with db.session() as session:
        return _all_stored(
            session.execute(
                _select_stored()
                .where(StatementRow.translation_pending.is_(True), StatementRow.translation_attempts < max_attempts)
                .order_by(StatementRow.id)
                .limit(limit)
            )
        )


def record_translation_retry(
    db: Database, statement_id: int, translation_en: str | None, verdict: Verdict | None
) -> None:
    """Store a retried translation (and the verdict it gives), or count one more failed attempt."""
    with db.session() as session:
        row = session.get(StatementRow, statement_id)
        if row is None:
            return
        row.translation_attempts += 1
        if translation_en is None or verdict is None:
            return
        row.translation_en = translation_en
        row.translation_pending = False
        row.label, row.score, row.confidence = verdict.label.value, verdict.score, verdict.confidence
        row.mixed, row.cues, row.abstained = verdict.mixed, cues_to_json(verdict.cues), verdict.abstained


def get_statements(db: Database, ids: Sequence[int]) -> list[StoredStatement]:
    with db.session() as session:
        rows = _all_stored(session.execute(_select_stored().where(StatementRow.id.in_(ids))))
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def statements_between(
    db: Database, start: datetime, end: datetime, account_ids: set[str] | None = None
) -> list[StoredStatement]:
    """Own statements (not reposts) published in [start, end), for digests."""
    with db.session() as session:
        query = _select_stored().where(
            StatementRow.published_at >= start,
            StatementRow.published_at < end,
            StatementRow.is_repost.is_(False),
        )
        if account_ids is not None:
            query = query.where(StatementRow.account_id.in_(account_ids))
        return _all_stored(session.execute(query.order_by(StatementRow.published_at)))


def sources_read_before(db: Database, end: datetime, source_ids: Sequence[int]) -> set[int]:
    """Of `source_ids`, those with a stored statement published before `end`: the sources
    whose readings reach back into a period ending then (digest coverage of a past day)."""
    if not source_ids:
        return set()
    with db.session() as session:
        query = (
            select(StatementRow.source_id)
            .where(StatementRow.published_at < end, StatementRow.source_id.in_(source_ids))
            .distinct()
        )
        return {source_id for source_id in session.scalars(query) if source_id is not None}
