"""`ladderwatch import-state` with broken or foreign files (audit): one line naming the file
and what is wrong, exit 2, and nothing imported — never a traceback, and never "imported"
for a file whose tables were not Ladderwatch's."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.storage.db import open_database
from bot.storage.tables import AccountRow

WATCHLIST = "accounts:\n  - id: mofa\n    name: Ministry\n    sources: [{rss: 'https://mofa.example/feed'}]\n"


@pytest.fixture
def export(ladderwatch_env, tmp_path, capsys) -> dict:
    ladderwatch_env.write_watchlist(WATCHLIST)
    assert main(["sources"]) == 0  # seeds the database from the watchlist
    path = tmp_path / "state.json"
    assert main(["export-state", str(path)]) == 0
    capsys.readouterr()
    ladderwatch_env.set(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    return json.loads(path.read_text())


def _broken(export: dict) -> list[tuple[object, str]]:
    def changed(edit) -> dict:
        copy = json.loads(json.dumps(export))
        edit(copy)
        return copy

    return [
        (b"{", "not JSON (Expecting property name"),
        (b"\xff\xfe{}", "not UTF-8 (byte offset 0)"),
        ([], "not a Ladderwatch state export (format 'list')"),
        ({"format": 1, "tables": []}, 'has no "tables" object'),
        ({"format": 1, "tables": {"bogus": [{"a": 1}]}}, "unknown table(s) bogus"),
        ({"format": 1, "tables": {"accounts": "x"}}, "table accounts must be a list of row objects"),
        (changed(lambda d: d["tables"]["accounts"][0].update(idx=1)), "table accounts, row 1: unknown column(s) idx"),
        (changed(lambda d: d["tables"]["accounts"][0].update(updated_at="yesterday")), "'yesterday' is not a date"),
        (changed(lambda d: d["tables"]["sources"][0].update(consecutive_errors="abc")), "is not a whole number"),
        (changed(lambda d: d["tables"]["accounts"][0].pop("updated_at")), "table accounts does not fit the database"),
        (changed(lambda d: d["tables"].update(accounts=[])), "table sources does not fit the database"),
        (changed(lambda d: d["tables"]["chats"].append(_chat(timezone="Mars/Base"))), "'Mars/Base' is not an IANA"),
        (changed(lambda d: d["tables"]["chats"].append(_chat(digest_time="99:99"))), "'99:99' is not HH:MM or off"),
    ]


def _chat(**values: str) -> dict:
    return {"id": 7, "type": "private", "title": "t", "language": "en", "timezone": "UTC", "digest_time": "08:00",
            "muted": False, "active": True, "send_failures": 0, "filter_labels": [], "filter_min_strength": 0.0,
            "filter_accounts": [], "filter_languages": [], "created_at": "2026-12-01T00:00:00+00:00", **values}


def test_a_broken_or_foreign_state_file_is_one_line_and_imports_nothing(ladderwatch_env, tmp_path, export, capsys):
    for number, (content, says) in enumerate(_broken(export)):
        path = tmp_path / f"broken-{number}.json"
        path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
        assert main(["import-state", str(path)]) == 2, says
        captured = capsys.readouterr()
        lines = [line for line in captured.err.splitlines() if line.strip()]
        assert len(lines) == 1 and str(path) in lines[0] and says in lines[0], (says, captured.err)
        assert "imported" not in captured.out
    db = open_database(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    try:
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(AccountRow)) == 0
    finally:
        db.close()


def test_the_export_itself_still_imports(ladderwatch_env, tmp_path, export, capsys):
    path = tmp_path / "again.json"
    path.write_text(json.dumps(export))
    assert main(["import-state", str(path)]) == 0
    assert capsys.readouterr().out.startswith("imported ")


def test_a_folder_is_named_as_a_folder(ladderwatch_env, tmp_path, capsys):
    assert main(["import-state", str(tmp_path)]) == 2
    assert "(it is a folder)" in capsys.readouterr().err
