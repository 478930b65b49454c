"""A success written as one UPDATE changes the source's row as reading and changing it did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage import sources as source_store
from bot.storage.db import open_database
from bot.storage.tables import AccountRow, SourceRow

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def _source(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with db.session() as session:
        session.add(AccountRow(id="acc", name="Acc", country="IT", updated_at=NOW))
        session.flush()
        row = SourceRow(account_id="acc", kind="rss", handle="https://example.org/feed.xml", body_hash="old")
        row.consecutive_errors, row.last_error, row.last_error_kind, row.failing_since = 3, "boom", "fetch", NOW
        session.add(row)
        session.flush()
        return db, row.id


def _success(db, source_id, newest, new_items=0, body_hash=None, etag="e"):
    source_store.record_success(
        db,
        source_id,
        now=NOW,
        url="https://example.org/feed.xml",
        etag=etag,
        last_modified=None,
        next_poll_at=NOW + timedelta(minutes=10),
        newest_item_at=newest,
        new_items=new_items,
        body_hash=body_hash,
    )
    with db.session() as session:
        return session.get(SourceRow, source_id)


def test_a_success_clears_the_errors_and_keeps_what_it_does_not_know(tmp_path):
    db, source_id = _source(tmp_path)
    row = _success(db, source_id, None, etag="x" * 600)  # too long for its column: dropped, as ORM writes do
    assert (row.consecutive_errors, row.last_error, row.last_error_kind, row.failing_since) == (0, None, None, None)
    assert row.last_success_at == row.last_fetch_at == NOW and row.next_poll_at == NOW + timedelta(minutes=10)
    assert row.body_hash == "old" and row.newest_item_at is None and row.last_new_item_at is None and row.etag is None
    db.close()


def test_the_newest_item_date_only_moves_forward(tmp_path):
    db, source_id = _source(tmp_path)
    assert _success(db, source_id, NOW - timedelta(days=1), new_items=2, body_hash="new").newest_item_at == (
        NOW - timedelta(days=1)
    )
    row = _success(db, source_id, NOW - timedelta(days=2))
    assert row.newest_item_at == NOW - timedelta(days=1) and row.last_new_item_at == NOW and row.body_hash == "new"
    assert _success(db, source_id, NOW + timedelta(seconds=1)).newest_item_at == NOW + timedelta(seconds=1)
    db.close()
