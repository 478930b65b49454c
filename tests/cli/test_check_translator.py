"""`ladderwatch check` with translation switched off on purpose (audit): a warning that says
what it means, not a FAIL (and exit 1) for a documented choice."""

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
