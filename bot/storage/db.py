"""Opening the database: engine, sessions, migrations, SQLite pragmas.

Schema changes go through Alembic (`bot/storage/migrations`); `open_database` upgrades
to head so every command starts on the current schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Row, create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, sessionmaker
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


def open_database(url: str) -> Database:
    database = Database(url)
    database.upgrade()
    return database


def insert_new(
    session: Session,
    table: type[DeclarativeBase],
    rows: list[dict[str, Any]],
    returning: tuple[InstrumentedAttribute[Any], ...],
) -> list[Row[Any]]:
    """`INSERT … ON CONFLICT DO NOTHING RETURNING …` for many rows at once; only the rows that
    were new come back (in no guaranteed order: return a key to match them by).

    SQLite ≥ 3.35 and PostgreSQL both have it. The rows go as one executemany, which
    SQLAlchemy sends as multi-row INSERTs ("insertmanyvalues") from one cached compiled
    statement. A row that collides with a stored one, or with an earlier row of the same
    batch, is skipped, never an error.
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        insert = sqlite_insert
    elif dialect == "postgresql":
        insert = postgresql_insert
    else:
        raise NotImplementedError(f"database {dialect!r} is not supported: use SQLite or PostgreSQL")
    statement = insert(table.__table__).on_conflict_do_nothing().returning(*returning)
    return list(session.connection().execute(statement, rows).all())
