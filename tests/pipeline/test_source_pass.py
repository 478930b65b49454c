"""A pass over many sources reads their states together and writes the unchanged ones together,
with the same row contents a source-by-source refresh writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.pipeline import Pipeline
from bot.settings import load_settings
from bot.source_pass import SourcePass
from bot.storage import sources as source_store
from bot.storage.tables import SourceRow
from tests.faults.hostile import GOOD_FEED

NAMES = ("alpha", "beta", "gamma", "delta")
CLEARED = ("last_error", "last_error_kind", "consecutive_errors", "failing_since", "lease_owner", "disabled")
KEPT = ("body_hash", "newest_item_at", "last_new_item_at", "kind", "handle")


@pytest.fixture
async def pipeline(tmp_path, feed_server):
    accounts = "".join(
        f"  - id: {name}\n    name: {name.title()}\n    sources:\n      - rss: {feed_server.url(f'/{name}.xml')}\n"
        for name in NAMES
    )
    for number, name in enumerate(NAMES):
        feed_server.set(f"/{name}.xml", GOOD_FEED, etag=f'"{name}-1"', last_modified=f"Sat, 1{number} May 2025 GMT")
    config = tmp_path / "config"
    config.mkdir()
    (config / "watchlist.yaml").write_text("accounts:\n" + accounts, encoding="utf-8")
    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'ladderwatch.sqlite3'}",
            "LADDERWATCH_CONFIG": str(config),
            "LADDERWATCH_ALLOW_PRIVATE_URLS": "1",
            "LADDERWATCH_TRANSLATOR": "none",
            "LADDERWATCH_POLL_SECONDS": "600",
        },
        env_file=None,
    )
    opened = await Pipeline.open(settings)
    yield opened
    await opened.close()


def _rows(pipeline: Pipeline) -> dict[str, SourceRow]:
    with pipeline.db.session() as session:
        return {row.account_id: row for row in session.scalars(select(SourceRow))}


def _fail_all(pipeline: Pipeline) -> None:
    """Give every source an error history that an answered fetch must clear."""
    for row in _rows(pipeline).values():
        source_store.record_failure(
            pipeline.db, row.id, now=datetime.now(UTC), error="HTTP 503", next_poll_at=datetime.now(UTC), kind="http"
        )


async def test_a_pass_of_unchanged_sources_writes_what_one_by_one_refreshes_write(pipeline, feed_server):
    await pipeline.poll_all()  # first fetch: validators stored
    _fail_all(pipeline)
    before = _rows(pipeline)
    ids = {name: row.id for name, row in before.items()}
    started = datetime.now(UTC)

    alone = [await pipeline.refresh(ids[name]) for name in NAMES[:2]]  # each writes its own row
    passed = await pipeline.refresh_many([ids[name] for name in NAMES[2:]])  # written together

    assert all(result.error is None and not result.new_ids for result in alone + passed)
    # the pass fetches its sources concurrently: in any order
    assert sorted(r.headers.get("if-none-match") for r in feed_server.requests[-4:]) == sorted(
        f'"{name}-1"' for name in NAMES
    ), "every request was conditional"
    rows = _rows(pipeline)
    for single, batched in (("alpha", "gamma"), ("beta", "delta")):
        one, other = rows[single], rows[batched]
        assert {k: getattr(one, k) for k in CLEARED} == {k: getattr(other, k) for k in CLEARED}
        for name in (single, batched):
            assert {k: getattr(rows[name], k) for k in KEPT} == {k: getattr(before[name], k) for k in KEPT}
        assert other.etag == f'"{batched}-1"' and other.url.endswith(f"/{batched}.xml")
        assert other.last_modified.startswith("Sat, 1")
        assert other.consecutive_errors == 0 and other.last_error is None and other.failing_since is None
        assert other.last_fetch_at == other.last_success_at and other.last_fetch_at >= started
        assert timedelta(seconds=600) <= other.next_poll_at - other.last_fetch_at <= timedelta(seconds=605)


async def test_states_are_read_in_chunks_and_a_missing_source_is_absent(pipeline):
    ids = sorted(row.id for row in _rows(pipeline).values())
    asked = ids + list(range(10_000, 10_000 + 2 * source_store.IDS_PER_QUERY))  # crosses chunk edges
    found = source_store.get_source_accounts(pipeline.db, asked)
    assert sorted(found) == ids
    for source_id in ids:
        assert found[source_id] == source_store.get_source_account(pipeline.db, source_id)


async def test_a_source_deleted_before_the_pass_is_reported_not_fetched(pipeline, feed_server):
    ids = {name: row.id for name, row in _rows(pipeline).items()}
    with pipeline.db.session() as session:
        session.delete(session.get(SourceRow, ids["beta"]))
    results = {r.source_id: r for r in await pipeline.refresh_many(list(ids.values()))}
    assert results[ids["beta"]].error == "source no longer exists"
    assert not any(r.path == "/beta.xml" for r in feed_server.requests)
    assert all(results[ids[name]].error is None for name in ("alpha", "gamma", "delta"))


async def test_answers_that_cannot_be_written_are_reported_failed_not_successful(pipeline):
    await pipeline.poll_all()
    ids = sorted(row.id for row in _rows(pipeline).values())
    batch = await SourcePass.read(pipeline.db, ids)
    with pipeline.db.engine.begin() as connection:  # the table goes away under the pass
        connection.execute(text("ALTER TABLE sources RENAME TO sources_gone"))
    try:
        results = [await pipeline.refresh(source_id, batch=batch) for source_id in ids]
        assert all(result.error is None for result in results)  # answered; not written yet
        await batch.flush()
        checked = [batch.checked(result) for result in results]
        assert all(result.error and "database unavailable" in result.error for result in checked)
        assert all("polled again" in (result.error or "") for result in checked)
    finally:
        with pipeline.db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE sources_gone RENAME TO sources"))
