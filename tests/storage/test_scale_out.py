"""Scale-out storage on both backends: source leases, outbox claims, digest claims; on
PostgreSQL also the bot's advisory lock and migrations only through `db upgrade`.

PostgreSQL runs when LADDERWATCH_TEST_POSTGRES_URL names an empty database the test may
empty again (`.ci/run` provisions one); SQLite always runs.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.model import Account, SourceKind, SourceSpec
from bot.storage import chats as chat_store
from bot.storage import outbox as outbox_store
from bot.storage import sources as source_store
from bot.storage.accounts import sync_watchlist
from bot.storage.db import BotLockTaken, Database, SchemaOutOfDate, bot_lock, open_database
from bot.storage.tables import StatementRow

POSTGRES = os.environ.get("LADDERWATCH_TEST_POSTGRES_URL")
NOW = datetime(2025, 5, 10, 12, tzinfo=UTC)
LEASE = timedelta(minutes=5)
needs_postgres = pytest.mark.skipif(not POSTGRES, reason="LADDERWATCH_TEST_POSTGRES_URL is not set")


def empty_postgres() -> Database:
    db = Database(POSTGRES or "")
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    return db


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def db(request, tmp_path):
    if request.param == "sqlite":
        database = open_database(f"sqlite:///{tmp_path / 'scale.sqlite3'}")
    else:
        database = empty_postgres()
        database.upgrade()
    sources = tuple(SourceSpec(SourceKind.RSS, f"https://example.org/{n}.xml") for n in range(4))
    sync_watchlist(database, [Account("a", "A", sources=sources)], NOW - timedelta(hours=1))
    yield database
    database.close()


def test_two_workers_claiming_at_once_take_different_sources(db):
    first = source_store.claim_due_sources(db, "worker-1", NOW, LEASE, limit=3)
    second = source_store.claim_due_sources(db, "worker-2", NOW, LEASE, limit=3)
    assert len(first) == 3 and len(second) == 1
    assert not set(first) & set(second)
    assert source_store.claim_due_sources(db, "worker-3", NOW, LEASE, limit=3) == []


def test_a_dead_workers_lease_expires_and_another_worker_takes_the_source(db):
    taken = source_store.claim_due_sources(db, "dies", NOW, LEASE, limit=10)
    assert source_store.claim_due_sources(db, "alive", NOW + LEASE - timedelta(seconds=1), LEASE, limit=10) == []
    assert source_store.claim_due_sources(db, "alive", NOW + LEASE + timedelta(seconds=1), LEASE, limit=10) == taken


def test_a_polled_source_is_not_claimed_again_before_its_next_poll(db):
    source_id = source_store.claim_due_sources(db, "w1", NOW, LEASE, limit=1)[0]
    source_store.record_success(
        db, source_id, now=NOW, url="https://example.org/0.xml", etag=None, last_modified=None,
        next_poll_at=NOW + timedelta(minutes=5), newest_item_at=None, new_items=0,
    )
    source_store.release_sources(db, [source_id], "w1")
    assert not source_store.claim_source(db, source_id, "w2", NOW + timedelta(minutes=1), LEASE)
    assert source_store.claim_source(db, source_id, "w2", NOW + timedelta(minutes=6), LEASE)


def test_releasing_frees_only_the_owners_leases(db):
    mine = source_store.claim_due_sources(db, "w1", NOW, LEASE, limit=1)
    source_store.release_sources(db, mine, "someone-else")
    assert not source_store.claim_source(db, mine[0], "w2", NOW, LEASE)
    source_store.release_sources(db, mine, "w1")
    assert source_store.claim_source(db, mine[0], "w2", NOW, LEASE)


def _queue_alerts(db: Database, count: int) -> None:
    chat_store.ensure_chat(db, 1001, "private", "desk", "en", NOW)
    with db.session() as session:
        for n in range(count):
            session.add(StatementRow(
                key=f"k{n}", content_hash=f"h{n}", account_id="a", text="t", published_at=NOW, fetched_at=NOW,
                label="escalation", score=0.8, confidence=0.9, cues=[],
            ))
    outbox_store.add_alerts(db, [(1001, n + 1) for n in range(count)], NOW)


def test_an_alert_claimed_by_one_delivery_pass_is_not_handed_to_another(db):
    _queue_alerts(db, 3)
    first = outbox_store.due_alerts(db, NOW, limit=2)
    second = outbox_store.due_alerts(db, NOW, limit=5)
    assert [item.statement_id for item in first] == [1, 2]
    assert [item.statement_id for item in second] == [3]
    outbox_store.release_claims(db, [first[1].id])
    assert [item.statement_id for item in outbox_store.due_alerts(db, NOW, limit=5)] == [2]
    later = NOW + outbox_store.CLAIM + timedelta(seconds=1)
    assert [item.statement_id for item in outbox_store.due_alerts(db, later, limit=5)] == [1, 2, 3]


def test_a_digest_day_is_claimed_once_and_given_back_when_sending_fails(db):
    chat_store.ensure_chat(db, 1001, "private", "desk", "en", NOW)
    claim = chat_store.claim_digest(db, 1001, "2025-05-10")
    assert claim.won and claim.previous is None
    assert not chat_store.claim_digest(db, 1001, "2025-05-10").won
    chat_store.unclaim_digest(db, 1001, "2025-05-10", claim.previous)
    assert chat_store.claim_digest(db, 1001, "2025-05-10").won
    assert chat_store.claim_digest(db, 1001, "2025-05-11").previous == "2025-05-10"


@needs_postgres
def test_only_one_bot_holds_the_lock():
    first, second = Database(POSTGRES or ""), Database(POSTGRES or "")
    try:
        with bot_lock(first), pytest.raises(BotLockTaken, match="already running"), bot_lock(second):
            pass
        with bot_lock(second):  # released when the first bot stops
            pass
    finally:
        first.close()
        second.close()


@needs_postgres
def test_postgresql_is_migrated_only_by_db_upgrade():
    empty_postgres().close()
    with pytest.raises(SchemaOutOfDate, match="ladderwatch db upgrade"):
        open_database(POSTGRES or "")
    open_database(POSTGRES or "", upgrade=True).close()
    open_database(POSTGRES or "").close()
