"""What opening or locking the database can fail with, importable without SQLAlchemy:
the command line catches these around every command, and most commands
(`classify --no-translate`, `--help`) never open a database."""


class DatabaseUnavailable(Exception):
    """The database of DATABASE_URL cannot be opened; the message is one line saying what to do."""


class SchemaOutOfDate(RuntimeError):
    """The database is not on the schema this code needs (PostgreSQL is never upgraded implicitly)."""


class BotLockTaken(RuntimeError):
    """Another `ladderwatch run` already talks to Telegram for this database."""
