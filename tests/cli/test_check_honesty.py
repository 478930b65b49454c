"""`ladderwatch check` says what it checked (audit): translation switched off on purpose is a
warning that says what it means, not a FAIL for a documented choice; an empty watchlist is not
"every source can be read"."""

from __future__ import annotations

from bot.cli import main

WATCHLIST = "accounts:\n  - id: mofa\n    name: Ministry\n    sources: [{rss: 'https://mofa.example/feed'}]\n"


def test_translator_none_is_a_warning_not_a_failure(ladderwatch_env, capsys):
    ladderwatch_env.write_watchlist(WATCHLIST)
    ladderwatch_env.set(LADDERWATCH_TRANSLATOR="none")  # no token: the token line fails without asking Telegram
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "WARN  translator translation is off (LADDERWATCH_TRANSLATOR=none)" in out
    assert "FAIL  translator" not in out
    assert [line[:4] for line in out.splitlines() if line.startswith("FAIL")] == ["FAIL"]  # the token only


def test_an_empty_watchlist_is_not_every_source_can_be_read(ladderwatch_env, capsys):
    ladderwatch_env.write_watchlist("accounts: []\n")
    main(["check", "--offline"])
    out = capsys.readouterr().out
    assert "every source can be read" not in out
    assert "WARN  sources    " in out and "has no accounts: nothing is read" in out


def test_a_source_switched_off_after_failing_is_not_an_ok_polls_line(ladderwatch_env, feed_server, capsys):
    from sqlalchemy import update

    from bot.storage.db import open_database
    from bot.storage.tables import SourceRow

    feed_server.set("/good.xml", b"<rss version='2.0'><channel><title>t</title></channel></rss>")
    feed_server.set("/dead.xml", b"gone", status=410, content_type="text/plain")
    ladderwatch_env.write_watchlist(
        "accounts:\n"
        f"  - id: good\n    name: Good\n    sources: [{{rss: '{feed_server.url('/good.xml')}'}}]\n"
        f"  - id: dead\n    name: Dead\n    sources: [{{rss: '{feed_server.url('/dead.xml')}'}}]\n"
    )
    main(["poll", "--once"])
    db = open_database(ladderwatch_env.database_url)
    try:
        with db.session() as session:  # what the bot does after 48 h of failures
            session.execute(update(SourceRow).where(SourceRow.account_id == "dead").values(disabled=True))
    finally:
        db.close()
    capsys.readouterr()
    main(["check", "--offline"])
    [line] = [line for line in capsys.readouterr().out.splitlines() if " polls " in line]
    assert line.startswith("WARN  polls      1 of 1 polled sources answered at their last poll; 1 switched off")
    assert "/watch enable" in line


def test_the_lexicons_are_checked_and_a_broken_one_is_a_failure_that_says_what_to_do(
    ladderwatch_env, capsys, monkeypatch
):
    """Polling loads the lexicons only when a statement needs them, so `check` reads them."""
    from bot.classify import lexicon

    ladderwatch_env.write_watchlist(WATCHLIST)
    main(["check"])
    assert "ok    lexicons   17 languages" in capsys.readouterr().out

    def broken() -> None:
        raise lexicon.LexiconError("it.yaml: entry 'it.x': pattern '(' is not a valid regex")

    monkeypatch.setattr(lexicon, "load_package_data", broken)
    assert main(["check"]) == 1
    line = next(line for line in capsys.readouterr().out.splitlines() if line[6:14] == "lexicons")
    assert line.startswith("FAIL  lexicons   it.yaml: entry 'it.x'") and "fix that entry" in line
