"""Output files a command is told to write (audit): a folder, or a path in a folder that does
not exist, is one line naming the file and what to do, with a non-zero status — never a
traceback after the work is done."""

from __future__ import annotations

import pytest

from bot.cli import main
from tests.support.cli import one_line

WATCHLIST = "accounts:\n  - id: mofa\n    name: Ministry\n    sources: [{rss: 'https://mofa.example/feed'}]\n"


@pytest.mark.parametrize(
    ("command", "what"),
    [
        (["watchlist", "export", "--format", "yaml", "-o"], "cannot write the watchlist to"),
        (["export-state"], "cannot write the state export to"),
    ],
)
def test_an_output_path_that_is_a_folder_or_in_a_missing_folder_isone_line(ladderwatch_env, capsys, command, what):
    ladderwatch_env.write_watchlist(WATCHLIST)
    folder = ladderwatch_env.folder
    for target, reason in ((folder, "Is a directory"), (folder / "no" / "x", "No such")):
        assert main([*command, str(target)]) == 2
        line = one_line(capsys.readouterr().err)
        assert what in line and str(target) in line and reason in line


def test_digest_chart_in_a_missing_folder_isone_line(ladderwatch_env, capsys):
    ladderwatch_env.write_watchlist(WATCHLIST)
    target = ladderwatch_env.folder / "no" / "chart.png"
    assert main(["digest", "--chart", str(target)]) == 2
    captured = capsys.readouterr()
    assert "cannot write the chart to" in one_line(captured.err) and "chart written" not in captured.out


@pytest.mark.parametrize("where", ["folder", "missing"])
def test_demo_refuses_a_chart_path_it_cannot_write_before_running(ladderwatch_env, capsys, where):
    target = ladderwatch_env.folder if where == "folder" else ladderwatch_env.folder / "no" / "chart.png"
    assert main(["demo", "--chart", str(target)]) == 2
    captured = capsys.readouterr()
    assert "give a file path in an existing folder" in one_line(captured.err)
    assert captured.out == ""  # refused up front, before the demo's work
