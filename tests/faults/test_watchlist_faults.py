"""The watchlist file as a user may break it (audit): a folder in its place, control
characters; and `sources` does not exit 0 while watchlist.yaml is rejected."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.watchlist import WatchlistError, load_watchlist, parse_watchlist

GOOD = "accounts:\n  - id: rubio\n    name: Marco Rubio\n    sources:\n      - rss: https://a.example/feed\n"


def test_a_folder_named_watchlist_yaml_is_called_a_folder_not_missing(ladderwatch_env, capsys):
    folder = ladderwatch_env.folder / "config" / "watchlist.yaml"
    folder.mkdir(parents=True)
    with pytest.raises(WatchlistError) as error:
        load_watchlist(folder)
    assert "is a folder, not a file" in str(error.value)
    assert main(["check", "--offline"]) == 1
    assert "FAIL  watchlist  " in capsys.readouterr().out


@pytest.mark.parametrize(("text", "line"), [("\x00\x01", 1), (GOOD.replace("Marco", "Mar\x07co"), 3)])
def test_a_control_character_is_one_line_with_its_line_and_code(text, line):
    with pytest.raises(WatchlistError) as error:
        parse_watchlist(text, "w.yaml")
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"w.yaml:{line}: not valid YAML: character U+00")


def test_sources_exits_non_zero_while_the_watchlist_is_rejected(ladderwatch_env, capsys):
    path = ladderwatch_env.write_watchlist(GOOD)
    assert main(["sources"]) == 0
    capsys.readouterr()
    path.write_text("accounts: [1,2")
    assert main(["sources"]) == 1
    captured = capsys.readouterr()
    assert "using the last good watchlist" in captured.err and "rubio" in captured.out


def test_with_no_good_watchlist_yet_it_does_not_claim_to_use_one(ladderwatch_env, capsys):
    assert main(["sources"]) == 1
    err = capsys.readouterr().err
    assert "nothing is watched until it is fixed" in err and "last good" not in err


def test_a_config_folder_name_too_long_for_the_system_is_one_line_not_a_traceback(ladderwatch_env, capsys):
    ladderwatch_env.set(LADDERWATCH_CONFIG=str(ladderwatch_env.folder / ("é" * 3000)))
    for command in (["check", "--offline"], ["poll", "--once"], ["sources"]):
        assert main(command) == 1
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        assert "cannot be looked up (File name too long)" in captured.out + captured.err


def test_a_config_setting_naming_a_file_says_so(ladderwatch_env, capsys):
    path = ladderwatch_env.write_watchlist(GOOD)
    ladderwatch_env.set(LADDERWATCH_CONFIG=str(path))
    with pytest.raises(WatchlistError) as error:
        load_watchlist(path / "watchlist.yaml")
    assert "LADDERWATCH_CONFIG is a file; set it to the folder holding watchlist.yaml" in str(error.value)


def test_importing_a_file_without_accounts_says_nothing_was_imported(ladderwatch_env, capsys):
    ladderwatch_env.write_watchlist(GOOD)
    empty = ladderwatch_env.folder / "empty.yaml"
    empty.write_text("accounts: []\n")
    assert main(["watchlist", "import", str(empty)]) == 2
    assert f"nothing imported: {empty} has no accounts" in capsys.readouterr().err
