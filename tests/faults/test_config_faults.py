"""Hostile settings and configuration files (issue 9, items 5–9): each ends in one line that
names the setting or file and says what to do, with a non-zero exit status — never a
traceback, whichever command meets it first."""

from __future__ import annotations

import socket
import sys

import pytest

from bot.cli import main
from bot.settings import SettingsError, load_settings
from bot.watchlist import MAX_DEPTH, WatchlistError, load_watchlist, parse_watchlist
from tests.support.cli import one_line

GOOD_ACCOUNT = """accounts:
  - id: rubio
    name: Marco Rubio
    sources:
      - rss: {url}
"""
# Commands that read the settings, the watchlist or the database.
COMMANDS = [["poll", "--once"], ["check", "--offline"], ["sources"], ["digest"], ["db", "upgrade"]]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _one_line_naming(err: str, name: str) -> str:
    line = one_line(err)
    assert name in line, err
    return line


# --- item 5: ports and URLs are validated when the watchlist is read -------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://www.example.org:65536/feed", "Port out of range"),
        ("https://[::1/feed", "Invalid IPv6 URL"),
        ("https://:8080/feed", "has no host name"),
        ("http://www.example.org:0/feed", "port 0"),
    ],
)
def test_a_watchlist_url_with_an_impossible_port_or_host_is_refused_with_file_and_line(url, reason):
    with pytest.raises(WatchlistError) as error:
        parse_watchlist(GOOD_ACCOUNT.format(url=url), "config/watchlist.yaml")
    assert str(error.value).startswith("config/watchlist.yaml:5: rss source:")
    assert reason in str(error.value)


def test_poll_once_rejects_a_watchlist_with_port_65536_naming_file_and_line_once(ladderwatch_env, capsys):
    ladderwatch_env.write_watchlist(GOOD_ACCOUNT.format(url="https://www.example.org:65536/feed"))
    assert main(["poll", "--once"]) == 1
    err = capsys.readouterr().err
    assert err.count("watchlist.yaml:5: rss source:") == 1 and "Port out of range" in err
    assert "Traceback" not in err


def test_bridge_templates_with_a_bad_port_or_an_unknown_placeholder_are_refused():
    for value in ("https://bridge.example:99999/{handle}/rss", "https://bridge.example/{handle}/{format}"):
        with pytest.raises(SettingsError) as error:
            load_settings({"LADDERWATCH_X_BRIDGE": value}, env_file=None)
        assert "LADDERWATCH_X_BRIDGE" in str(error.value)


# --- issue 9 "also found": poll --once exited 0 on an invalid watchlist -----------------


def test_poll_once_exits_non_zero_with_the_reason_when_the_watchlist_is_invalid(ladderwatch_env, feed_server, capsys):
    feed_server.set("/feed.xml", b"<rss version='2.0'><channel><title>t</title></channel></rss>")
    ladderwatch_env.write_watchlist(GOOD_ACCOUNT.format(url=feed_server.url("/feed.xml")))
    assert main(["poll", "--once"]) == 0
    capsys.readouterr()
    ladderwatch_env.write_watchlist("accounts:\n  - id: Not A Slug\n    name: x\n    sources: [{rss: https://a.example/}]\n")
    assert main(["poll", "--once"]) == 1
    err = capsys.readouterr().err
    assert err.count("watchlist.yaml:2: id 'Not A Slug' must be a lowercase slug") == 1
    assert "watchlist.yaml was rejected (see above): fix it" in err.splitlines()[-1]
    assert feed_server.hits("/feed.xml") == 2  # the last good watchlist was still polled


# --- item 6: LADDERWATCH_POLL_SECONDS huge or in Unicode digits -------------------------


@pytest.mark.parametrize("value", ["260000000000", "¹", "٣٠٠", "86401", "1e3", "-5"])
@pytest.mark.parametrize("command", COMMANDS)
def test_poll_seconds_out_of_range_or_not_ascii_digits_is_one_line_in_every_command(
    ladderwatch_env, capsys, value, command
):
    ladderwatch_env.set(LADDERWATCH_POLL_SECONDS=value)
    assert main(command) == 2
    line = _one_line_naming(capsys.readouterr().err, "LADDERWATCH_POLL_SECONDS")
    assert "from 1 to 86400" in line


def test_the_largest_poll_interval_accepted_still_schedules(ladderwatch_env, feed_server, capsys):
    feed_server.set("/feed.xml", b"<rss version='2.0'><channel><title>t</title></channel></rss>")
    ladderwatch_env.write_watchlist(GOOD_ACCOUNT.format(url=feed_server.url("/feed.xml")))
    ladderwatch_env.set(LADDERWATCH_POLL_SECONDS="86400")
    assert main(["poll", "--once"]) == 0
    assert "0 sources failed" in capsys.readouterr().err


# --- item 7: configuration files are read as UTF-8, or refused naming file and offset ---


def test_a_latin1_byte_in_the_watchlist_names_file_line_and_byte_offset(ladderwatch_env, capsys):
    path = ladderwatch_env.write_watchlist(GOOD_ACCOUNT.format(url="https://a.example/feed"))
    data = path.read_bytes().replace(b"Marco Rubio", b"Marco Rub\xedo")
    path.write_bytes(data)
    with pytest.raises(WatchlistError) as error:
        load_watchlist(path)
    offset = data.index(b"\xed")
    assert str(error.value) == (
        f"{path}:3: not UTF-8 (byte 0xed at byte offset {offset}); save the file as UTF-8"
    )
    assert main(["check", "--offline"]) == 1
    assert f"FAIL  watchlist  {path}:3: not UTF-8" in capsys.readouterr().out


def test_a_latin1_byte_in_dot_env_names_the_file_and_byte_offset(ladderwatch_env, capsys):
    env_file = ladderwatch_env.folder / ".env"
    data = b"# settings\nLADDERWATCH_ADMINS=1\nDEEPL_API_KEY=caf\xe9\n"
    env_file.write_bytes(data)
    for command in (["check", "--offline"], ["sources"]):
        assert main(command) == 2
        line = _one_line_naming(capsys.readouterr().err, ".env:3: not UTF-8")
        assert f"byte 0xe9 at byte offset {data.index(0xE9)}" in line


def test_a_utf8_bom_is_not_an_error(ladderwatch_env):
    path = ladderwatch_env.write_watchlist(GOOD_ACCOUNT.format(url="https://a.example/feed"))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert [a.id for a in load_watchlist(path)] == ["rubio"]


# --- item 8: YAML depth is limited ---------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        "accounts: " + "[" * 500 + "]" * 500,
        "accounts:\n" + "".join("  " * i + "-\n" for i in range(1, 500)),
        "accounts: " + "{a: " * 5000,
    ],
)
def test_deeply_nested_yaml_is_refused_without_recursion_error(document):
    limit = sys.getrecursionlimit()
    with pytest.raises(WatchlistError) as error:
        parse_watchlist(document, "w.yaml")
    assert f"nested more than {MAX_DEPTH} levels deep" in str(error.value)
    assert sys.getrecursionlimit() == limit


def test_deep_yaml_sent_to_watchlist_import_is_one_line(ladderwatch_env, capsys):
    ladderwatch_env.write_watchlist(GOOD_ACCOUNT.format(url="https://a.example/feed"))
    bomb = ladderwatch_env.folder / "bomb.yaml"
    bomb.write_text("accounts: " + "[" * 800 + "]" * 800)
    assert main(["watchlist", "import", str(bomb)]) == 2
    _one_line_naming(capsys.readouterr().err, "nested more than")


# --- item 9: DATABASE_URL that cannot work -------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://user@db.example/ladderwatch", "'mysql' is not supported"),
        ("postgresql+asyncpg://user@db.example/ladderwatch", "is not installed"),
        ("postgresql+nosuchdriver://user@db.example/ladderwatch", "is not installed or unknown"),
        ("carrierpigeon://loft/ladderwatch", "is not supported"),
        ("ladderwatch.sqlite3", "not an SQLAlchemy URL"),
    ],
)
@pytest.mark.parametrize("command", [*COMMANDS, ["run"], ["classify", "--no-translate", "hello"]])
def test_an_unusable_database_url_is_refused_at_start_in_every_command(ladderwatch_env, capsys, url, says, command):
    ladderwatch_env.set(DATABASE_URL=url, TELEGRAM_BOT_TOKEN="123:abc")
    assert main(command) == 2
    line = _one_line_naming(capsys.readouterr().err, "DATABASE_URL")
    assert says in line


def _unreachable_databases(folder) -> list[tuple[str, str]]:
    blocker = folder / "a-file"
    blocker.write_text("not a folder")
    return [
        (f"postgresql+psycopg://ladderwatch:s3cret@127.0.0.1:{_closed_port()}/ladderwatch", "PostgreSQL is running"),
        (f"sqlite:///{blocker}/sub/ladderwatch.sqlite3", "folder can be created and written"),
    ]


@pytest.mark.parametrize("command", [*COMMANDS, ["run"], ["export-state", "state.json"]])
def test_a_refused_postgresql_or_an_impossible_sqlite_path_is_one_line_in_every_command(
    ladderwatch_env, capsys, command
):
    for url, remedy in _unreachable_databases(ladderwatch_env.folder):
        ladderwatch_env.set(DATABASE_URL=url, TELEGRAM_BOT_TOKEN="123:abc")
        ladderwatch_env.write_watchlist(GOOD_ACCOUNT.format(url="https://a.example/feed"))
        status = main(command)
        captured = capsys.readouterr()
        if command[0] == "check":  # check reports it on its own line and carries on
            assert status == 1 and "FAIL  database   DATABASE_URL=" in captured.out and remedy in captured.out
            continue
        assert status == 2
        line = _one_line_naming(captured.err, "DATABASE_URL=")
        assert "cannot open the database" in line and remedy in line
        assert "s3cret" not in line


def test_classify_still_works_when_only_its_translation_cache_cannot_be_opened(ladderwatch_env, capsys):
    blocker = ladderwatch_env.folder / "a-file"
    blocker.write_text("not a folder")
    ladderwatch_env.set(DATABASE_URL=f"sqlite:///{blocker}/x.sqlite3", LADDERWATCH_TRANSLATOR="libre",
                        LIBRETRANSLATE_URL=f"http://127.0.0.1:{_closed_port()}")
    assert main(["classify", "We call on both sides to exercise restraint."]) == 0
    captured = capsys.readouterr()
    assert "DE-ESCALATION" in captured.out
    assert "translation cache disabled: DATABASE_URL=" in captured.err
