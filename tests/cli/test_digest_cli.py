"""`ladderwatch digest` with odd dates and chat ids (audit): one line and exit 2, never a
traceback; and a past day the bot never read is not reported as a quiet day."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import main
from tests.support.cli import one_line

WATCHLIST = "accounts:\n  - id: mofa\n    name: Ministry\n    sources: [{{rss: '{url}'}}]\n"


def _feed(published: datetime) -> bytes:
    date = email.utils.format_datetime(published)
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>MOFA</title>
<item><title>Trade talks</title><guid>n-1</guid><pubDate>{date}</pubDate>
<description>The ministers discussed trade, energy and student exchanges.</description></item>
</channel></rss>""".encode()


@pytest.mark.parametrize(
    ("day", "says"),
    [
        ("0001-01-01", "give a day from 1970-01-08"),
        ("9999-12-31", "that day has not begun yet"),
        ((datetime.now(UTC) + timedelta(days=2)).date().isoformat(), "that day has not begun yet"),
    ],
)
def test_a_date_out_of_range_or_in_the_future_isone_line(ladderwatch_env, capsys, day, says):
    ladderwatch_env.write_watchlist(WATCHLIST.format(url="https://mofa.example/feed"))
    assert main(["digest", "--date", day]) == 2
    assert says in one_line(capsys.readouterr().err)


def test_a_chat_id_beyond_64_bits_is_a_usage_error(ladderwatch_env, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["digest", "--chat", "99999999999999999999999"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "is not a chat id: Telegram's ids fit in 64 bits" in err and "Traceback" not in err


def test_a_past_day_before_anything_read_reaches_back_is_not_a_quiet_day(ladderwatch_env, feed_server, capsys):
    now = datetime.now(UTC)
    feed_server.set("/feed.xml", _feed(now - timedelta(days=2)))
    ladderwatch_env.write_watchlist(WATCHLIST.format(url=feed_server.url("/feed.xml")))
    assert main(["poll", "--once"]) == 0
    capsys.readouterr()

    covered = (now - timedelta(days=2)).date().isoformat()
    assert main(["digest", "--date", covered]) == 0
    out = capsys.readouterr().out
    assert "1 of 1 sources answered since" in out and "Quiet day" in out

    before = (now - timedelta(days=10)).date().isoformat()
    assert main(["digest", "--date", before]) == 0
    out = capsys.readouterr().out
    assert "0 of 1 sources answered since" in out and "1 not read yet in that period" in out
    assert "Quiet day" not in out and "Nothing was read in this period" in out


def test_digest_chart_without_matplotlib_says_none_was_written_and_exits_1(ladderwatch_env, monkeypatch, capsys):
    monkeypatch.setattr("bot.render.chart.chart_available", lambda: False)
    ladderwatch_env.write_watchlist(WATCHLIST.format(url="https://mofa.example/feed"))
    target = ladderwatch_env.folder / "chart.png"
    assert main(["digest", "--chart", str(target)]) == 1
    captured = capsys.readouterr()
    assert "Ladderwatch digest" in captured.out and "chart written" not in captured.out
    assert f"no chart written to {target}: the chart needs matplotlib" in captured.err
    assert not target.exists()


def test_a_chat_whose_stored_time_zone_is_unknown_here_gets_its_digest_in_utc(ladderwatch_env, capsys):
    from sqlalchemy import update

    from bot.storage import chats as chat_store
    from bot.storage.db import open_database
    from bot.storage.tables import ChatRow

    ladderwatch_env.write_watchlist(WATCHLIST.format(url="https://mofa.example/feed"))
    db = open_database(ladderwatch_env.database_url)
    try:
        chat_store.ensure_chat(db, 42, "private", "Ada", "en", datetime.now(UTC))
        with db.session() as session:  # an older tzdata's zone, or an edited database
            session.execute(update(ChatRow).where(ChatRow.id == 42).values(timezone="Mars/Base"))
    finally:
        db.close()
    assert main(["digest", "--chat", "42"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and " UTC\n" in captured.out
