"""A DATABASE_URL naming a file that is not ours (audit): one line whose advice fits the
problem — not "check that its folder can be written" for a file that is a text file, holds
another program's tables, or was written by a newer version."""

from __future__ import annotations

import sqlite3

import pytest

from bot.cli import main


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
