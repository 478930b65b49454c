"""Opening the database: engine, sessions, migrations, SQLite pragmas, the bot's lock.

Schema changes go through Alembic (`bot/storage/migrations`). On PostgreSQL, where
several processes share the database (workers and the bot), migrations run only in
`ladderwatch db upgrade`; every other command checks that the schema is current and
stops with that advice when it is not. The embedded SQLite file is upgraded on open. A
database that cannot be opened (server down, folder not writable, …) is one
`DatabaseUnavailable` line naming DATABASE_URL, never a driver traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Row, create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.storage.errors import BotLockTaken, DatabaseUnavailable, SchemaOutOfDate
from bot.storage.schema_head import script_head, stored_revisions
from bot.storage.tables import fit_values

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_EXECUTOR_THREADS = min(32, (os.cpu_count() or 1) + 4)  # asyncio.to_thread's pool (concurrent.futures)


class MigrationFailed(Exception):
    """Alembic could not bring the schema to head (its own message, one line)."""


def alembic_config(url: str) -> Config:
    """An Alembic config without an alembic.ini: the project's top level stays as designed.

    Alembic is imported here, when a migration is needed, not by every command that opens
    the database (see `schema_head`)."""
    from alembic.config import Config

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
    # As many pooled connections as asyncio's default executor has threads (every storage
    # call runs in one): the pool's default of 5 closed the overflow connection after each
    # burst and opened a new PostgreSQL backend (fork and SCRAM login) for the next.
    return create_engine(url, pool_pre_ping=True, pool_size=DEFAULT_EXECUTOR_THREADS)


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
            if stored_revisions(connection) == [script_head(MIGRATIONS / "versions")]:
                return  # already on the newest migration: nothing for Alembic to do
            from alembic import command
            from alembic.util.exc import CommandError

            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            try:
                command.upgrade(config, "head")
            except CommandError as error:
                raise MigrationFailed(str(error)) from error

    def close(self) -> None:
        self.engine.dispose()


def _remedy(url: str, error: BaseException) -> str:
    reason = _first_line(error)
    if isinstance(error, MigrationFailed) and "Can't locate revision" in reason:
        return "it was written by another (newer?) version of Ladderwatch: run that version, or use another database"
    if "already exists" in reason:
        return "it holds tables that Ladderwatch did not make: point DATABASE_URL at a new database"
    parsed = make_url(url)
    if "file is not a database" in reason:
        return "the file is not an SQLite database: point DATABASE_URL at another file (a new one is created)"
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


def schema_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        revisions = stored_revisions(connection)
    if len(revisions) > 1:
        raise MigrationFailed(f"the database is on several migration heads at once ({', '.join(sorted(revisions))})")
    return revisions[0] if revisions else None


def head_revision(url: str) -> str | None:
    """The newest migration shipped: read from the files, or by Alembic when the files are unusual."""
    head = script_head(MIGRATIONS / "versions")
    if head is not None:
        return head
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def write_refused(db: Database) -> str | None:
    """Why the database refuses writes (a read-only file, folder or replica), or None: a
    no-op update, rolled back. Opening and reading prove nothing about writing."""
    try:
        with db.engine.connect() as connection, connection.begin() as transaction:
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
            transaction.rollback()
    except SQLAlchemyError as error:
        return _first_line(error)
    return None


def open_database(url: str, upgrade: bool | None = None) -> Database:
    """The database on the current schema; failing to open it is one DatabaseUnavailable line.

    `upgrade` None: SQLite is migrated to head, PostgreSQL only checked (several processes
    share it; `ladderwatch db upgrade` passes True).
    """
    shown = make_url(url).render_as_string(hide_password=True)
    database: Database | None = None
    current: str | None = None
    try:
        database = Database(url)
        if upgrade is None:
            upgrade = database.engine.dialect.name == "sqlite"
        if upgrade:
            database.upgrade()
        else:
            current = schema_revision(database)
    except (SQLAlchemyError, OSError, MigrationFailed) as error:
        if database is not None:
            database.close()
        raise DatabaseUnavailable(
            f"DATABASE_URL={shown}: cannot open the database ({_first_line(error)}); {_remedy(url, error)}"
        ) from error
    head = None if upgrade else head_revision(url)
    if not upgrade and current != head:
        database.close()
        raise SchemaOutOfDate(
            f"the database schema is at {current or 'nothing'}, this version needs {head}: "
            "run `ladderwatch db upgrade` once (before starting the bot and workers)"
        )
    return database


BOT_LOCK_KEY = 0x4C57_5275  # "LWRu": the advisory lock of the one Telegram-facing process


@contextmanager
def bot_lock(db: Database) -> Iterator[None]:
    """Hold PostgreSQL's session advisory lock for as long as the bot runs (one poller per
    token: Telegram refuses a second getUpdates, and two senders would send twice).
    SQLite has one process by design: nothing to take."""
    if db.engine.dialect.name != "postgresql":
        yield
        return
    with db.engine.connect() as connection:
        taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": BOT_LOCK_KEY}).scalar()
        connection.commit()
        if not taken:
            raise BotLockTaken(
                "another `ladderwatch run` is already running on this database; run one bot "
                "and as many `ladderwatch worker` processes as you like"
            )
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": BOT_LOCK_KEY})
            connection.commit()


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
    fitted = [fit_values(table.__table__, row) for row in rows]  # as every ORM write is (tables.py)
    return list(session.connection().execute(statement, fitted).all())
