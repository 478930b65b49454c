"""Nothing polling is not "healthy" (audit): when every source is overdue and no fetch has
happened for a while, `/healthz`, `ladderwatch check` and `ladderwatch sources` say so,
although the last 24 hours (or the last polls) still look fine."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot.cli import main
from bot.storage.db import Database, open_database
from bot.storage.tables import SourceRow
from tests.ops.conftest import add_source
from tests.ops.test_http import get_once

WATCHLIST = "accounts:\n  - id: mofa\n    name: Ministry\n    sources: [{{rss: '{url}'}}]\n"
RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>MOFA</title>
<item><title>Trade</title><guid>t-1</guid><description>Trade and culture.</description></item></channel></rss>"""


def _age(db: Database, hours: float) -> None:
    """Move every source's last fetch, last success and next poll `hours` back in time."""
    now, back = datetime.now(UTC), timedelta(hours=hours)
    with db.session() as session:
        session.execute(
            update(SourceRow).values(last_fetch_at=now - back, last_success_at=now - back, next_poll_at=now - back)
        )


async def test_healthz_is_degraded_when_nothing_has_polled_for_hours(settings, db):
    add_source(db, "rubio", answered_hours_ago=1)
    _age(db, 0.1)  # fetched six minutes ago, due now: polls are happening
    status, body = await get_once(db, settings, "/healthz")
    assert json.loads(body)["status"] == "ok"
    _age(db, 5)  # the last 24 h are still covered, but nothing has fetched for 5 hours
    status, body = await get_once(db, settings, "/healthz")
    report = json.loads(body)
    assert status == 200 and report["status"] == "degraded"
    assert report["reason"].startswith("no source has been polled since") and "nothing is polling" in report["reason"]


def test_check_and_sources_say_that_nothing_is_polling(ladderwatch_env, feed_server, capsys):
    feed_server.set("/feed.xml", RSS)
    ladderwatch_env.write_watchlist(WATCHLIST.format(url=feed_server.url("/feed.xml")))
    assert main(["poll", "--once"]) == 0
    assert main(["check", "--offline"]) == 1  # no token
    assert "ok    polls      1 of 1 sources answered at their last poll" in capsys.readouterr().out

    db = open_database(ladderwatch_env.database_url)
    try:
        _age(db, 30)
    finally:
        db.close()
    main(["check", "--offline"])
    out = capsys.readouterr().out
    assert "WARN  polls      no source has been polled since" in out and "(30.0 hours ago)" in out
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert "warning: no source has been polled since" in out and "next poll: overdue since" in out


def test_status_notes_lead_with_nothing_polling(settings, db):
    from bot.reader.health import status_notes
    from bot.storage.accounts import list_accounts, list_source_rows

    add_source(db, "rubio", answered_hours_ago=1)
    now = datetime.now(UTC)
    assert status_notes(list_source_rows(db), list_accounts(db), settings, now) == []
    _age(db, 5)
    [note] = status_notes(list_source_rows(db), list_accounts(db), settings, now)
    assert note.startswith("warning: no source has been polled since") and "(5.0 hours ago)" in note


def _fetched(database_url: str, hours_ago: float, due_hours_ago: float) -> None:
    db = open_database(database_url)
    try:
        now = datetime.now(UTC)
        with db.session() as session:
            session.execute(
                update(SourceRow).values(
                    last_fetch_at=now - timedelta(hours=hours_ago), next_poll_at=now - timedelta(hours=due_hours_ago)
                )
            )
    finally:
        db.close()


def test_the_digest_allows_a_long_poll_interval_the_same_grace_as_check_and_sources(
    ladderwatch_env, feed_server, capsys
):
    """With hourly polls the grace is 3 h (3 intervals) for every view; the digest used a fixed
    15 min, and called polling stalled while `check`, `sources` and /healthz did not."""
    feed_server.set("/feed.xml", RSS)
    ladderwatch_env.write_watchlist(WATCHLIST.format(url=feed_server.url("/feed.xml")))
    ladderwatch_env.set(LADDERWATCH_POLL_SECONDS="3600")
    assert main(["poll", "--once"]) == 0
    capsys.readouterr()
    views = (["digest"], ["sources"], ["check", "--offline"])
    _fetched(ladderwatch_env.database_url, hours_ago=1, due_hours_ago=0.5)  # within 3 polls: not stalled
    for view in views:
        main(view)
        out = capsys.readouterr().out
        assert "polled since" not in out and "Nothing has been polled" not in out, view
    _fetched(ladderwatch_env.database_url, hours_ago=4, due_hours_ago=3.5)  # beyond: every view says so
    for view in views:
        main(view)
        out = capsys.readouterr().out
        assert "no source has been polled since" in out or "Nothing has been polled since" in out, view
