"""Credentials in feed URLs (`user:pass@`, `?token=`, `?apikey=`…) are used to fetch and kept in
the database, but every command shows them as *** (before: `sources`, `watchlist export`, the
failure lines of `poll` and `check` printed them whole)."""

from __future__ import annotations

from sqlalchemy import select

from bot.cli import main
from bot.storage.db import open_database
from bot.storage.tables import SourceRow

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>MOFA</title>
<item><title>Statement</title><link>https://mofa.example/1</link><guid>s-1</guid>
<description>We call on both sides to exercise restraint.</description></item></channel></rss>"""
SECRETS = ("s3cret", "t0ken1", "k3y9")


def _watchlist(feed: str, gone: str) -> str:
    return f"""accounts:
  - id: mofa
    name: Ministry
    sources: [{{rss: '{feed}'}}]
  - id: gone
    name: Gone
    sources: [{{rss: '{gone}'}}]
"""


def test_every_command_shows_feed_credentials_as_stars_and_fetches_with_them(ladderwatch_env, feed_server, capsys):
    feed_server.set("/feed.xml", RSS)
    port = feed_server.url("/").split(":")[2].rstrip("/")
    feed = f"http://reader:s3cret@127.0.0.1:{port}/feed.xml?lang=en&token=t0ken1"
    gone = f"http://127.0.0.1:{port}/gone.xml?apikey=k3y9"
    ladderwatch_env.write_watchlist(_watchlist(feed, gone))
    shown: list[str] = []

    def run(*argv: str) -> None:
        main(list(argv))
        captured = capsys.readouterr()
        shown.append(captured.out + captured.err)

    run("poll", "--once")
    assert "apikey=***" in shown[-1], shown[-1]
    run("sources")
    assert "url: http://reader:***@127.0.0.1:" in shown[-1] and "token=***" in shown[-1]
    run("check", "--offline")
    run("watchlist", "export", "--format", "yaml")
    assert "reader:***@" in shown[-1] and "credentials" in shown[-1]
    run("watchlist", "export", "--format", "opml")
    assert "reader:***@" in shown[-1]
    exported = ladderwatch_env.folder / "exported.yaml"
    run("watchlist", "export", "--format", "yaml", "-o", str(exported))
    assert "reader:***@" in exported.read_text()
    for text in shown:
        assert not any(secret in text for secret in SECRETS), text

    request = next(r for r in feed_server.requests if r.path.startswith("/feed.xml"))
    assert request.path.endswith("token=t0ken1") and request.headers["authorization"].startswith("Basic ")
    db = open_database(ladderwatch_env.database_url)
    try:
        with db.session() as session:
            assert sorted(session.scalars(select(SourceRow.handle))) == sorted([feed, gone])
    finally:
        db.close()

    # an export read back would store *** as the password: refused, saying what to do
    assert main(["watchlist", "import", str(exported)]) == 2
    err = capsys.readouterr().err
    assert "redacted" in err and "put the real" in err and not any(secret in err for secret in SECRETS)
