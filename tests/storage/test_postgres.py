"""The same storage code on PostgreSQL (DATABASE_URL selects it in production).

Runs when LADDERWATCH_TEST_POSTGRES_URL names an empty database a test may fill and empty
again (`.ci/run` provisions one when PostgreSQL can be installed); skipped otherwise.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from bot.model import Account, SourceKind, SourceSpec
from bot.storage import chats as chat_store
from bot.storage import outbox as outbox_store
from bot.storage.accounts import list_accounts, sync_watchlist
from bot.storage.db import Database, open_database
from bot.storage.state import export_state, import_state
from bot.storage.tables import Base, StatementRow

URL = os.environ.get("LADDERWATCH_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="LADDERWATCH_TEST_POSTGRES_URL is not set")
NOW = datetime(2025, 5, 10, 12, tzinfo=UTC)


@pytest.fixture
def postgres() -> Database:
    db = Database(URL or "")
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.upgrade()
    yield db
    db.close()


def _statement(db: Database, statement_id: int | None = None) -> int:
    with db.session() as session:
        row = StatementRow(
            id=statement_id, key=f"k{statement_id}", content_hash=f"h{statement_id}", account_id="a", text="t",
            published_at=NOW, fetched_at=NOW, label="escalation", score=0.8, confidence=0.9, cues=[],
        )
        session.add(row)
        session.flush()
        return row.id


def test_migrations_match_the_models_on_postgresql(postgres):
    with postgres.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_outbox_ignores_a_pair_queued_twice(postgres):
    sync_watchlist(postgres, [Account("a", "A", sources=(SourceSpec(SourceKind.X, "a_x"),))], NOW)
    chat_store.ensure_chat(postgres, -100123, "supergroup", "desk", "en", NOW)
    statement_id = _statement(postgres)
    assert outbox_store.add_alerts(postgres, [(-100123, statement_id)], NOW) == 1
    assert outbox_store.add_alerts(postgres, [(-100123, statement_id)], NOW) == 0


def test_imported_state_keeps_ids_and_new_rows_get_fresh_ones(postgres, tmp_path):
    sqlite = open_database(f"sqlite:///{tmp_path / 'one.sqlite3'}")
    sync_watchlist(sqlite, [Account("a", "A", sources=(SourceSpec(SourceKind.X, "a_x"),))], NOW)
    _statement(sqlite, 41)
    export_state(sqlite, tmp_path / "state.json")
    import_state(postgres, tmp_path / "state.json")
    assert list_accounts(postgres) == list_accounts(sqlite)
    assert _statement(postgres) == 42
