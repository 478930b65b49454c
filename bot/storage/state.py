"""Export and import the whole state as JSON: moving from SQLite to PostgreSQL, or backups."""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Float, Integer, String, Table, func, insert, select, text
from sqlalchemy.exc import StatementError
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


class StateFileError(ValueError):
    """A state file that cannot be imported; the message names the file and what is wrong."""


def _read_payload(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The tables of a state export, checked for shape: every table known, every row an object
    with known columns, every date readable — or StateFileError saying what and where."""
    redo = "give a file written by `ladderwatch export-state`"
    try:
        payload = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as error:
        raise StateFileError(f"{path}: not UTF-8 (byte offset {error.start}); {redo}") from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise StateFileError(f"{path}: not JSON ({error.msg}, {where}); {redo}") from None
    except OSError as error:
        raise StateFileError(f"{path}: cannot be read: {error.strerror or error}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
        found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise StateFileError(f"{path}: not a Ladderwatch state export (format {found!r}); {redo}")
    tables = payload.get("tables")
    if not isinstance(tables, dict):
        raise StateFileError(f"{path}: has no \"tables\" object; {redo}")
    known = {table.name: table for table in Base.metadata.sorted_tables}
    unknown = sorted(str(name) for name in tables if name not in known)
    if unknown:
        raise StateFileError(f"{path}: unknown table(s) {', '.join(unknown)[:200]}; {redo}")
    for name, rows in tables.items():
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise StateFileError(f"{path}: table {name} must be a list of row objects; {redo}")
        columns = {column.name for column in known[name].columns}
        dated = [c.name for c in known[name].columns if isinstance(c.type, UtcDateTime)]
        for number, row in enumerate(rows, start=1):
            extra = sorted(set(row) - columns)
            if extra:
                raise StateFileError(
                    f"{path}: table {name}, row {number}: unknown column(s) {', '.join(extra)[:200]} "
                    "(written by a newer Ladderwatch? import it with that version)"
                )
            wrong = _mistyped(known[name], row) or (_chat_problem(row) if name == "chats" else None)
            if wrong:
                raise StateFileError(f"{path}: table {name}, row {number}: {wrong}")
            for column in dated:
                if row.get(column):
                    try:
                        row[column] = datetime.fromisoformat(row[column])
                    except (TypeError, ValueError):
                        raise StateFileError(
                            f"{path}: table {name}, row {number}: {column} {str(row[column])[:40]!r} is not a date"
                        ) from None
    return tables


def _chat_problem(row: dict[str, Any]) -> str | None:
    """A chat's time zone and digest time are used as they are: a wrong one would stop its digests."""
    zone, clock = row.get("timezone"), row.get("digest_time")
    if isinstance(zone, str) and zone not in _zones():
        return f"timezone {zone[:40]!r} is not an IANA time zone such as Europe/Rome"
    if isinstance(clock, str) and clock != "off" and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", clock):
        return f"digest_time {clock[:40]!r} is not HH:MM or off"
    return None


@functools.cache
def _zones() -> frozenset[str]:
    from zoneinfo import available_timezones

    return frozenset(available_timezones()) | {"UTC"}


def _mistyped(table: Table, row: dict[str, Any]) -> str | None:
    """The first value whose JSON type cannot be the column's (SQLite would keep it as is)."""
    for column in table.columns:
        value = row.get(column.name)
        if value is None:
            continue
        if isinstance(column.type, Boolean):
            expected: tuple[type, ...] = (bool,)
        elif isinstance(column.type, Integer):
            expected = (int,)
        elif isinstance(column.type, Float):
            expected = (int, float)
        elif isinstance(column.type, String):  # Text too
            expected = (str,)
        else:
            continue
        if not isinstance(value, expected) or (bool not in expected and isinstance(value, bool)):
            kind = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}[expected[0]]
            return f"{column.name} {str(value)[:40]!r} is not {kind}"
    return None


def import_state(db: Database, path: Path) -> dict[str, int]:
    """Load an export into an empty database (refuses to merge into one that has data). All or
    nothing: a file that does not fit (StateFileError) leaves the database as it was."""
    tables = _read_payload(path)
    counts: dict[str, int] = {}
    table_name = ""
    try:
        with db.session() as session:
            for table in Base.metadata.sorted_tables:
                if session.scalar(select(func.count()).select_from(table)):
                    raise StateFileError(f"the database already has {table.name} rows; import into an empty database")
            for table in Base.metadata.sorted_tables:
                table_name, rows = table.name, tables.get(table.name, [])
                if rows:
                    session.execute(insert(table), rows)
                counts[table.name] = len(rows)
            if session.get_bind().dialect.name == "postgresql":
                _advance_sequences(session)
    except StatementError as error:  # a missing or mistyped column, a row without its account…
        reason = " ".join(str(getattr(error, "orig", None) or error).split())[:300]
        raise StateFileError(
            f"{path}: table {table_name} does not fit the database ({reason}); nothing was imported"
        ) from None
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
