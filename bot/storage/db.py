"""Opening the database: engine, sessions, migrations, SQLite pragmas.

Schema changes go through Alembic (`bot/storage/migrations`); `open_database` upgrades
to head so every command starts on the current schema. A database that cannot be opened
(server down, folder not writable, …) is one `DatabaseUnavailable` line naming
DATABASE_URL, never a driver traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError as AlembicError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config without an alembic.ini: the project's top level stays as designed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_memory = parsed.database in (None, "", ":memory:")
        if not in_memory:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            # one shared connection, or every thread would see its own empty in-memory database
            poolclass=StaticPool if in_memory else None,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """Engine plus session factory; `session()` is one short transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_db_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def upgrade(self) -> None:
        with self.engine.begin() as connection:
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()


class DatabaseUnavailable(Exception):
    """The database of DATABASE_URL cannot be opened; the message is one line saying what to do."""


def _remedy(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return "check that its folder can be created and written, or point DATABASE_URL at another file"
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return f"check that PostgreSQL is running at {where}, that the database exists and the credentials are right"


def _first_line(error: BaseException) -> str:
    """The driver's own words, without SQLAlchemy's statement dump and background link."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    line = text[0] if text else type(original).__name__
    return line if len(line) <= 200 else line[:199] + "…"


def open_database(url: str) -> Database:
    """Open and migrate to head; any failure becomes one DatabaseUnavailable line."""
    shown = make_url(url).render_as_string(hide_password=True)
    database: Database | None = None
    try:
        database = Database(url)
        database.upgrade()
    except (SQLAlchemyError, OSError, AlembicError) as error:
        if database is not None:
            database.close()
        raise DatabaseUnavailable(
            f"DATABASE_URL={shown}: cannot open the database ({_first_line(error)}); {_remedy(url)}"
        ) from error
    return database
