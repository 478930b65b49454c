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
