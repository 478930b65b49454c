"""An account's `languages:` hints must be codes language detection knows (the list `classify
--lang` checks against): `xx` or `english` was accepted before and then never helped. Every
way a watchlist is read says the same thing: field, file and line, account, accepted codes."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.language import KNOWN_LANGUAGES
from bot.opml import parse_opml
from bot.watchlist import WatchlistError, parse_watchlist

ACCEPTED = "use one of " + ", ".join(sorted(KNOWN_LANGUAGES))
UNKNOWN = "is not a language code (ISO 639-1) that detection knows"


def account(languages: str) -> str:
    return (
        "accounts:\n  - id: tajani\n    name: Antonio Tajani\n"
        f"    languages:\n{languages}    sources:\n      - rss: http://127.0.0.1:9/feed\n"
    )


@pytest.mark.parametrize("code", ["xx", "english", "zz-ZZ"])
def test_an_unknown_language_is_refused_naming_the_field_the_place_and_the_accepted_codes(code):
    with pytest.raises(WatchlistError) as error:
        parse_watchlist(account(f"      - it\n      - {code}\n"), "config/watchlist.yaml")
    assert error.value.line == 6  # the bad item's own line
    assert str(error.value) == f"config/watchlist.yaml:6: account tajani: languages: {code!r} {UNKNOWN}; {ACCEPTED}"


def test_a_regional_code_is_read_as_detection_reads_it():
    [parsed] = parse_watchlist(account("      - it-IT\n      - pt_BR\n      - EN\n"))
    assert parsed.languages == ("it", "pt", "en")


def test_an_opml_import_says_the_same_as_the_yaml():
    opml = (
        '<opml version="2.0" xmlns:lw="https://ladderwatch.invalid/opml/1"><body>'
        '<outline text="T" lw:id="tajani" lw:languages="it,xx">'
        '<outline text="f" lw:kind="rss" lw:handle="http://127.0.0.1:9/feed"/></outline></body></opml>'
    )
    with pytest.raises(ValueError) as error:
        parse_opml(opml, set())
    assert str(error.value) == f"account tajani: languages: 'xx' {UNKNOWN}; {ACCEPTED}"


def test_every_command_reports_the_file_line_and_reason_and_keeps_the_last_good_watchlist(ladderwatch_env, capsys):
    path = ladderwatch_env.write_watchlist(account("      - it\n"))
    assert main(["sources"]) == 0
    capsys.readouterr()
    path.write_text(account("      - xx\n"), encoding="utf-8")
    reason = f"{path}:5: account tajani: languages: 'xx' {UNKNOWN}; "

    assert main(["check", "--offline"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL  watchlist  {reason}{ACCEPTED} — fix the file" in out

    for command in (["sources"], ["poll", "--once"]):
        assert main(command) == 1, command
        captured = capsys.readouterr()
        assert reason in captured.err and "last good" in captured.err, command
        assert "Traceback" not in captured.err

    assert main(["watchlist", "import", str(path)]) == 2  # a usage error, as every refused import
    assert f"nothing imported: {reason}" in capsys.readouterr().err
