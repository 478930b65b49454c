"""A DATABASE_URL naming a file that is not ours (audit): one line whose advice fits the
problem — not "check that its folder can be written" for a file that is a text file, holds
another program's tables, or was written by a newer version."""

from __future__ import annotations

import sqlite3

import pytest

from bot.cli import main
from tests.support.cli import one_line


def _make(folder, kind: str):
    path = folder / f"{kind}.sqlite3"
    if kind == "text":
        path.write_text("hello\n")
    else:
        with sqlite3.connect(path) as connection:
            if kind == "foreign":
                connection.execute("CREATE TABLE accounts (x)")
            else:
                connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
                connection.execute("INSERT INTO alembic_version VALUES ('zzzz_from_the_future')")
        connection.close()
    return path


@pytest.mark.parametrize(
    ("kind", "advice"),
    [
        ("text", "the file is not an SQLite database"),
        ("foreign", "it holds tables that Ladderwatch did not make"),
        ("newer", "written by another (newer?) version of Ladderwatch"),
    ],
)
def test_a_file_that_is_not_our_database_gets_advice_that_fits(ladderwatch_env, capsys, kind, advice):
    path = _make(ladderwatch_env.folder, kind)
    ladderwatch_env.set(DATABASE_URL=f"sqlite:///{path}")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and advice in lines[0] and "folder can be created" not in lines[0]


def test_a_read_only_database_fails_check_and_commands_with_one_line(ladderwatch_env, capsys):
    """What a read-only file, folder or mount does, as root or not: SQLite's read-only mode."""
    ladderwatch_env.write_watchlist("accounts:\n  - id: a\n    name: A\n    sources: [{rss: 'https://a.example/f'}]\n")
    assert main(["db", "upgrade"]) == 0
    path = ladderwatch_env.folder / "ladderwatch.sqlite3"
    ladderwatch_env.set(DATABASE_URL=f"sqlite:///file:{path}?mode=ro&uri=true")
    capsys.readouterr()
    assert main(["check", "--offline"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  database   " in out and "opens but refuses writes (attempt to write a readonly database)" in out
    for command in (["poll", "--once"], ["sources"]):
        assert main(command) == 1
        line = one_line(capsys.readouterr().err)
        assert "the database failed during the command (attempt to write a readonly database)" in line
