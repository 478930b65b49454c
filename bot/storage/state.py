"""Export and import the whole state as JSON: moving from SQLite to PostgreSQL, or backups."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, func, insert, select, text
from sqlalchemy.orm import Session

from bot.storage.db import Database
from bot.storage.tables import Base, UtcDateTime

FORMAT_VERSION = 1


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def export_state(db: Database, path: Path) -> dict[str, int]:
    """Write every table's rows to one JSON file; returns the row count per table."""
    payload: dict[str, Any] = {"format": FORMAT_VERSION, "tables": {}}
    with db.session() as session:
        for table in Base.metadata.sorted_tables:
            rows = session.execute(select(table)).mappings().all()
            payload["tables"][table.name] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return {name: len(rows) for name, rows in payload["tables"].items()}


def import_state(db: Database, path: Path) -> dict[str, int]:
    """Load an export into an empty database (refuses to merge into one that has data)."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    if payload.get("format") != FORMAT_VERSION:
        raise ValueError(f"{path}: not a Ladderwatch state export (format {payload.get('format')!r})")
    counts: dict[str, int] = {}
    with db.session() as session:
        for table in Base.metadata.sorted_tables:
            if session.scalar(select(func.count()).select_from(table)):
                raise ValueError(f"the database already has {table.name} rows; import into an empty database")
        for table in Base.metadata.sorted_tables:
            rows = payload["tables"].get(table.name, [])
            dated = [c.name for c in table.columns if isinstance(c.type, UtcDateTime)]
            for row in rows:
                for name in dated:
                    if row.get(name):
                        row[name] = datetime.fromisoformat(row[name])
            if rows:
                session.execute(insert(table), rows)
            counts[table.name] = len(rows)
        if session.get_bind().dialect.name == "postgresql":
            _advance_sequences(session)
    return counts


def _advance_sequences(session: Session) -> None:
    """Rows came with their ids: move PostgreSQL's id sequences past them, or the next insert collides."""
    for table in Base.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and isinstance(column.type, Integer)):
                session.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(:table, :column), "
                        f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                    ),
                    {"table": table.name, "column": column.name},
                )
