"""Whether a database is on the newest migration, answered without importing Alembic.

Importing Alembic costs about a quarter of a second of CPU, and every command opens the
database: the embedded SQLite file is upgraded on open, which is nearly always a no-op,
and PostgreSQL's revision is checked. The migration files are read as Python syntax
(their `revision` and `down_revision`), never executed; anything this reading cannot
follow (a file without a literal revision, several heads) answers "unknown", and Alembic
decides as before.
"""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import Connection, inspect, text


def _literals(path: Path) -> dict[str, object]:
    """The module-level `name = literal` (or `name: type = literal`) assignments of a file."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                continue
    return found


def script_head(versions: Path) -> str | None:
    """The one head revision of the migration files in `versions`, or None when unsure."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        values = _literals(path)
        revision, down = values.get("revision"), values.get("down_revision")
        if not isinstance(revision, str):
            return None
        if isinstance(down, str):
            down = (down,)
        if down is not None and not (isinstance(down, tuple | list) and all(isinstance(d, str) for d in down)):
            return None
        revisions.add(revision)
        parents.update(down or ())
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def stored_revisions(connection: Connection) -> list[str]:
    """The revisions the database says it is on: none when never migrated, one normally."""
    if not inspect(connection).has_table("alembic_version"):
        return []
    return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
