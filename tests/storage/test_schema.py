"""Migrations create exactly the schema the models describe; state moves between databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.model import Account, SourceKind, SourceSpec
from bot.storage.accounts import add_account, list_accounts, remove_account, sync_watchlist
from bot.storage.db import open_database
from bot.storage.state import export_state, import_state
from bot.storage.tables import Base


def test_migrations_match_the_models(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def _account(account_id: str, handle: str) -> Account:
    return Account(account_id, account_id.title(), sources=(SourceSpec(SourceKind.X, handle),))


def test_chat_changes_win_over_the_config_file(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    sync_watchlist(db, [_account("a", "a_x"), _account("b", "b_x")])
    add_account(db, _account("a", "a_new"))  # an admin edits a config account in chat
    assert remove_account(db, "b")  # and removes another
    sync_watchlist(db, [_account("a", "a_x"), _account("b", "b_x"), _account("c", "c_x")])
    accounts = {a.id: a for a in list_accounts(db)}
    assert set(accounts) == {"a", "c"}
    assert accounts["a"].sources[0].handle == "a_new"


def test_state_export_and_import_round_trip(tmp_path):
    source = open_database(f"sqlite:///{tmp_path / 'one.sqlite3'}")
    sync_watchlist(source, [_account("a", "a_x")], datetime(2025, 5, 10, tzinfo=UTC))
    export = tmp_path / "state.json"
    counts = export_state(source, export)
    assert counts["accounts"] == 1 and counts["sources"] == 1
    assert json.loads(export.read_text())["format"] == 1
    target = open_database(f"sqlite:///{tmp_path / 'two.sqlite3'}")
    import_state(target, export)
    assert list_accounts(target) == list_accounts(source)
