"""The newest migration is read from the files without Alembic, and agrees with Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from bot.storage.db import MIGRATIONS, alembic_config, head_revision, open_database, schema_revision
from bot.storage.schema_head import script_head

ROOT = Path(__file__).resolve().parents[2]


def _migration(folder: Path, revision: str, down: str, annotated: bool = False) -> None:
    kind = ": str | None" if annotated else ""
    (folder / f"{revision}_x.py").write_text(
        f'"""A migration."""\nrevision{kind} = "{revision}"\ndown_revision{kind} = {down}\n', encoding="utf-8"
    )


def test_the_shipped_head_is_alembics_head():
    expected = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert script_head(MIGRATIONS / "versions") == expected
    assert head_revision("sqlite://") == expected


def test_a_merge_has_one_head_and_two_branches_have_none(tmp_path):
    _migration(tmp_path, "0001", "None")
    _migration(tmp_path, "0002", '"0001"', annotated=True)
    _migration(tmp_path, "0003", '"0001"')
    assert script_head(tmp_path) is None  # two heads: Alembic decides
    _migration(tmp_path, "0004", '("0002", "0003")')
    assert script_head(tmp_path) == "0004"


def test_a_file_the_reading_cannot_follow_answers_unknown(tmp_path):
    _migration(tmp_path, "0001", "None")
    (tmp_path / "0002_x.py").write_text('revision = compute()\ndown_revision = "0001"\n', encoding="utf-8")
    assert script_head(tmp_path) is None


def test_opening_a_current_database_does_not_import_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    open_database(url).close()  # a new file: Alembic creates the schema
    assert schema_revision(open_database(url)) == script_head(MIGRATIONS / "versions")
    code = (
        "import sys; from bot.storage.db import open_database; "
        f"open_database({url!r}).close(); print('alembic' in sys.modules)"
    )
    answer = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert answer.stdout.strip() == "False"
