"""Start-up and pass storage on both backends: syncing the watchlist writes what changed and marks
every config account loaded now (its `updated_at` decides what a first fetch counts as backlog);
a pass's batched state reads and unchanged-answer writes match the one-source functions."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.model import Account, SourceKind, SourceSpec
from bot.storage import sources as source_store
from bot.storage.accounts import add_account, list_accounts, sync_watchlist
from bot.storage.db import Database, open_database
from bot.storage.tables import AccountRow, SourceRow

T0 = datetime(2026, 1, 1, tzinfo=UTC)
POSTGRES = os.environ.get("LADDERWATCH_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> Database:
    """A fresh database on each backend (PostgreSQL when LADDERWATCH_TEST_POSTGRES_URL names one to empty)."""
    if request.param == "sqlite":
        database = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    else:
        if not POSTGRES:
            pytest.skip("LADDERWATCH_TEST_POSTGRES_URL is not set")
        database = Database(POSTGRES)
        with database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        database.upgrade()
    yield database
    database.close()


def _account(account_id: str, *handles: str, name: str = "") -> Account:
    return Account(
        account_id, name or account_id.upper(), sources=tuple(SourceSpec(SourceKind.RSS, h) for h in handles)
    )


def _state(db) -> dict[str, tuple]:
    with db.session() as session:
        sources = {}
        for row in session.scalars(select(SourceRow)):
            sources.setdefault(row.account_id, set()).add((row.id, row.handle))
        return {
            row.id: (row.name, row.origin, row.removed, row.updated_at, sources.get(row.id, set()))
            for row in session.scalars(select(AccountRow))
        }


def test_a_second_sync_of_the_same_file_keeps_rows_and_marks_them_loaded(db):
    accounts = [_account(f"a{n}", f"https://{n}.example/rss", f"https://{n}.example/atom") for n in range(30)]
    sync_watchlist(db, accounts, T0)
    before = _state(db)
    sync_watchlist(db, accounts, T0 + timedelta(hours=1))
    after = _state(db)
    assert set(after) == set(before)
    for account_id, (name, origin, removed, updated_at, sources) in after.items():
        assert (name, origin, removed, sources) == (*before[account_id][:3], before[account_id][4])
        assert updated_at == T0 + timedelta(hours=1)


def test_changes_are_written_and_chat_accounts_are_left_alone(db):
    sync_watchlist(db, [_account("kept", "https://k/1", "https://k/2"), _account("dropped", "https://d/1")], T0)
    add_account(db, _account("chat", "https://c/1"), origin="chat")
    chat_before = _state(db)["chat"]
    later = T0 + timedelta(hours=2)
    sync_watchlist(
        db,
        [_account("kept", "https://k/2", "https://k/3", name="Renamed"), _account("chat", "https://other/1")],
        later,
    )
    state = _state(db)
    name, origin, removed, updated_at, sources = state["kept"]
    assert (name, origin, removed, updated_at) == ("Renamed", "config", False, later)
    assert {handle for _, handle in sources} == {"https://k/2", "https://k/3"}
    assert state["dropped"][2:4] == (True, later)
    assert state["chat"] == chat_before
    assert [a.id for a in list_accounts(db)] == ["chat", "kept"]

    sync_watchlist(db, [_account("dropped", "https://d/1")], later + timedelta(hours=1))
    assert _state(db)["dropped"][2] is False, "an account listed again is watched again"


def test_many_states_are_read_and_unchanged_answers_written_as_one_by_one_writes_do(db):
    sync_watchlist(db, [_account(f"a{n}", f"https://{n}.example/rss") for n in range(4)], T0)
    ids = sorted(source_store.get_source_accounts(db, list(range(1, 100))))
    assert len(ids) == 4
    for source_id in ids:
        source_store.record_failure(db, source_id, now=T0, error="HTTP 503", next_poll_at=T0, kind="http")
    later, due = T0 + timedelta(minutes=5), T0 + timedelta(minutes=15)
    huge = '"' + "x" * 600 + '"'  # longer than the column: dropped, as every ORM write does
    source_store.record_success(
        db, ids[0], now=later, url="https://0.example/rss", etag=huge, last_modified="Mon", next_poll_at=due,
        newest_item_at=None, new_items=0,
    )
    source_store.record_unchanged(
        db, [source_store.Unchanged(ids[1], "https://1.example/rss", huge, "Mon", later, due)]
    )
    alone, batched = (source_store.get_source(db, source_id) for source_id in ids[:2])
    columns = [c.key for c in SourceRow.__table__.columns if c.key not in ("id", "account_id", "handle", "url")]
    assert {k: getattr(alone, k) for k in columns} == {k: getattr(batched, k) for k in columns}
    assert batched.etag is None and batched.consecutive_errors == 0 and batched.next_poll_at == due
