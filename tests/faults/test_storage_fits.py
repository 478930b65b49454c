"""Storage never rejects what a feed (or an operator) sends: long values are fitted first.

PostgreSQL refuses a value longer than its column (`DataError`); SQLite keeps it, so the
same checks run on both (PostgreSQL when LADDERWATCH_TEST_POSTGRES_URL is set, as in
tests/storage/test_postgres.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from bot.dedupe import to_statement
from bot.model import Account, AnalysedStatement, FeedEntry, Label, SourceKind, SourceSpec, Verdict
from bot.storage import sources as source_store
from bot.storage.accounts import list_source_rows, sync_watchlist
from bot.storage.db import Database, open_database
from bot.storage.statements import save_new_statements
from bot.storage.tables import AccountRow, StatementRow, fit_values

POSTGRES = os.environ.get("LADDERWATCH_TEST_POSTGRES_URL")
NOW = datetime(2025, 5, 10, 12, tzinfo=UTC)
LONG_FEED_URL = "https://feeds.example/" + "f" * 600


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = open_database(f"sqlite:///{tmp_path / 'fits.sqlite3'}")
    else:
        if not POSTGRES:
            pytest.skip("LADDERWATCH_TEST_POSTGRES_URL is not set")
        database = Database(POSTGRES)
        with database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        database.upgrade()
    yield database
    database.close()


def _account(db: Database) -> int:
    sync_watchlist(
        db,
        [Account("a", "N" * 300, role="R" * 300, sources=(SourceSpec(SourceKind.RSS, LONG_FEED_URL),))],
        NOW,
    )
    [source] = list_source_rows(db)
    return source.id


def test_over_long_account_fields_and_feed_url_are_fitted(db):
    _account(db)
    with db.session() as session:
        account = session.get(AccountRow, "a")
        assert len(account.name) == len(account.role) == 200 and account.name.endswith("…")
    [source] = list_source_rows(db)
    assert len(source.handle) == 500


def test_over_long_guid_is_hashed_and_link_dropped_but_the_statement_kept(db):
    source_id = _account(db)
    entry = FeedEntry(text="We held talks.", guid="g" * 1200, url="https://x.test/" + "a" * 2100)
    statement = to_statement("a", source_id, entry, NOW)
    verdict = Verdict(Label.NEUTRAL, 0.0, 0.5, False)
    [statement_id] = save_new_statements(db, [AnalysedStatement(statement, None, False, verdict)], NOW)
    with db.session() as session:
        row = session.scalars(select(StatementRow).where(StatementRow.id == statement_id)).one()
    assert row.guid == fit_values(StatementRow.__table__, {"guid": "g" * 1200})["guid"]
    assert row.guid.startswith("sha256:") and row.url is None and row.text == "We held talks."


def test_over_long_validators_and_redirect_url_are_dropped_not_cut(db):
    source_id = _account(db)
    source_store.record_success(
        db,
        source_id,
        now=NOW,
        url="https://feeds.example/" + "u" * 1100,
        etag='"' + "e" * 600 + '"',
        last_modified="M" * 150,
        next_poll_at=NOW,
        newest_item_at=None,
        new_items=0,
    )
    [source] = list_source_rows(db)
    assert source.url is None and source.etag is None and source.last_modified is None
    assert source.consecutive_errors == 0  # the refresh counts as the success it was


def test_an_error_longer_than_any_column_is_one_bounded_line(db):
    source_id = _account(db)
    source_store.record_failure(db, source_id, now=NOW, error="x\n" * 5000, next_poll_at=NOW, kind="k" * 50)
    [source] = list_source_rows(db)
    assert "\n" not in source.last_error and len(source.last_error) <= 1000
    assert source.last_error_kind == "k" * 32
