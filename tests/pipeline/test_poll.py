"""`ladderwatch poll --once` end to end against feeds served on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.cli import main
from bot.storage.db import open_database
from bot.storage.tables import SourceRow, StatementRow

DATA = Path(__file__).parent.parent / "data" / "pipeline"


def _watchlist(feed_server, *paths: str) -> str:
    sources = "\n".join(f"      - rss: {feed_server.url(p)}" for p in paths)
    return f"""accounts:
  - id: mfa
    name: Ministry of Foreign Affairs
    role: Foreign ministry
    country: PK
    sources:
{sources}
  - id: tajani
    name: Antonio Tajani
    role: Foreign Minister of Italy
    country: IT
    languages: [it]
    sources:
      - rss: {feed_server.url("/farnesina.xml")}
"""


def _serve(feed_server, name: str, path: str | None = None, **kwargs) -> None:
    feed_server.set(path or f"/{name}", (DATA / name).read_bytes(), **kwargs)


def _statement_lines(out: str) -> list[list[str]]:
    return [line.split("\t") for line in out.splitlines() if line.strip()]


def test_second_poll_prints_nothing_and_sends_conditional_requests(ladderwatch_env, feed_server, capsys):
    _serve(feed_server, "ministry_rss.xml", etag='"v1"')
    _serve(feed_server, "farnesina_it.xml", "/farnesina.xml", last_modified="Sat, 10 May 2025 12:00:00 GMT")
    ladderwatch_env.write_watchlist(_watchlist(feed_server, "/ministry_rss.xml"))

    assert main(["poll", "--once"]) == 0
    first = _statement_lines(capsys.readouterr().out)
    assert len(first) == 5
    assert {line[2] for line in first} == {"mfa", "tajani"}
    labels = {line[4].split(" ")[0]: line[0] for line in first}
    assert labels["Statement"] == "escalation"
    assert labels["Call"] == "de-escalation"
    assert labels["Trade"] == "neutral"

    assert main(["poll", "--once"]) == 0
    assert _statement_lines(capsys.readouterr().out) == []
    second_round = feed_server.requests[-2:]
    conditional = {r.path: r.headers for r in second_round}
    assert conditional["/ministry_rss.xml"]["if-none-match"] == '"v1"'
    assert conditional["/farnesina.xml"]["if-modified-since"] == "Sat, 10 May 2025 12:00:00 GMT"


def test_failing_sources_are_reported_in_one_line_each_and_the_rest_arrive(ladderwatch_env, feed_server, capsys):
    _serve(feed_server, "ministry_rss.xml")
    _serve(feed_server, "farnesina_it.xml", "/farnesina.xml")
    feed_server.set("/broken.xml", b"internal error", status=500)
    _serve(feed_server, "not_a_feed.html", "/difficulties.xml")
    ladderwatch_env.write_watchlist(_watchlist(feed_server, "/broken.xml", "/ministry_rss.xml", "/difficulties.xml"))

    assert main(["poll", "--once"]) == 0
    captured = capsys.readouterr()
    assert len(_statement_lines(captured.out)) == 5
    failures = [line for line in captured.err.splitlines() if line.startswith("source failed:")]
    assert len(failures) == 2
    assert any("500" in line for line in failures)
    assert any("HTML page, not a feed" in line for line in failures)

    db = open_database(ladderwatch_env.database_url)
    with db.session() as session:
        broken = session.scalars(select(SourceRow).where(SourceRow.handle.like("%broken%"))).one()
        assert broken.consecutive_errors == 1 and "500" in (broken.last_error or "")
        assert broken.next_poll_at is not None and broken.next_poll_at > broken.last_fetch_at


def test_same_text_from_two_sources_of_one_account_is_stored_once(ladderwatch_env, feed_server, capsys):
    _serve(feed_server, "ministry_rss.xml")
    _serve(feed_server, "ministry_atom.xml")
    _serve(feed_server, "farnesina_it.xml", "/farnesina.xml")
    ladderwatch_env.write_watchlist(_watchlist(feed_server, "/ministry_rss.xml", "/ministry_atom.xml"))

    assert main(["poll", "--once"]) == 0
    lines = _statement_lines(capsys.readouterr().out)
    restraint = [line for line in lines if "exercise maximum restraint" in line[4]]
    assert len(restraint) == 1
    assert len(lines) == 6  # 3 + 2 - 1 duplicate + 2 Italian


def test_italian_dates_are_read_and_a_missing_date_becomes_the_fetch_time(ladderwatch_env, feed_server, capsys):
    _serve(feed_server, "ministry_rss.xml")
    _serve(feed_server, "farnesina_it.xml", "/farnesina.xml")
    ladderwatch_env.write_watchlist(_watchlist(feed_server, "/ministry_rss.xml"))
    assert main(["poll", "--once"]) == 0
    db = open_database(ladderwatch_env.database_url)
    with db.session() as session:
        rows = {r.url: r for r in session.scalars(select(StatementRow).where(StatementRow.account_id == "tajani"))}
    first, second = rows["https://esteri.example/1"], rows["https://esteri.example/2"]
    assert first.published_at.isoformat() == "2025-05-10T10:00:00+00:00"
    assert not first.published_estimated
    assert second.published_estimated
    assert first.lang == "it" and first.label == "de-escalation"


def test_an_invalid_watchlist_names_file_and_line_and_keeps_the_last_good_one(ladderwatch_env, feed_server, capsys):
    _serve(feed_server, "ministry_rss.xml")
    _serve(feed_server, "farnesina_it.xml", "/farnesina.xml")
    ladderwatch_env.write_watchlist(_watchlist(feed_server, "/ministry_rss.xml"))
    assert main(["poll", "--once"]) == 0
    capsys.readouterr()
    path = ladderwatch_env.write_watchlist("accounts:\n  - id: Bad Id\n    name: x\n    sources:\n      - rss: nope\n")
    assert main(["poll", "--once"]) == 1  # the last good watchlist is polled, and the rejection shows in the status
    err = capsys.readouterr().err
    assert f"{path}:2:" in err and "keeping the last good one" in err
    assert feed_server.hits("/ministry_rss.xml") == 2
