"""The database schema (SQLAlchemy 2 declarative). Alembic migrations mirror it.

Everything that must survive a restart lives here: accounts and their sources with fetch
state, statements with their verdicts, the translation cache, chats with their settings,
subscriptions, and the alert outbox.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column
from sqlalchemy.sql.schema import Table
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# How a too-long value is made to fit a length-limited column (`info={"fit": …}`):
# TRUNCATE (the default) keeps the start, HASH replaces it with a stable digest (an
# identifier must stay distinct), DROP stores NULL (a cut URL or validator is a wrong one).
TRUNCATE, HASH, DROP = "truncate", "hash", "drop"


@cache
def _limited_columns(table: Table) -> tuple[tuple[str, int, str], ...]:
    """(key, length, how it is fitted) of the table's length-limited columns, looked up once:
    a statement row has 22 values and is written thousands of times a poll."""
    return tuple(
        (column.key, length, column.info.get("fit", TRUNCATE))
        for column in table.columns
        if (length := getattr(column.type, "length", None)) is not None
    )


def fit_values(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` for `table` with every string cut to its column's length, as the column says.

    Feeds and operators send values of any length; PostgreSQL rejects an over-long one
    (SQLite would keep it), so everything is fitted before it is written.
    """
    fitted = dict(values)
    for name, length, how in _limited_columns(table):
        value = values.get(name)
        if not isinstance(value, str) or len(value) <= length:
            continue
        if how == HASH:
            fitted[name] = "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
        elif how == DROP:
            fitted[name] = None
        else:
            fitted[name] = value[: length - 1] + "…"
    return fitted


class Base(DeclarativeBase):
    pass


@event.listens_for(Base, "before_insert", propagate=True)
@event.listens_for(Base, "before_update", propagate=True)
def _fit_row(mapper: Mapper[Any], connection: object, row: Base) -> None:
    """Every ORM write goes through `fit_values`; bulk inserts must call it themselves."""
    table = mapper.local_table
    assert isinstance(table, Table)
    names = [c.key for c in mapper.column_attrs]
    current = {name: getattr(row, name) for name in names if isinstance(getattr(row, name, None), str)}
    for name, value in fit_values(table, current).items():
        if value is not current[name]:
            setattr(row, name, value)


class AccountRow(Base):
    """A watched account. `origin` is `config` (from watchlist.yaml) or `chat` (added by an admin)."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    origin: Mapped[str] = mapped_column(String(16), default="config")
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SourceRow(Base):
    """One source of an account, with what the server told us last time (Miniflux-style)."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("account_id", "kind", "handle"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    handle: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(1000), nullable=True, info={"fit": DROP})
    etag: Mapped[str | None] = mapped_column(String(500), nullable=True, info={"fit": DROP})
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True, info={"fit": DROP})
    last_fetch_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_new_item_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    newest_item_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The stage or fetch error kind of the last failure (`timeout`, `parse`, `classify`…).
    last_error_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # When the current run of failures began; 48 h of failures switch the source off.
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    body_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)  # an unchanged body is not parsed again
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)  # the worker polling it now
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class StatementRow(Base):
    """A statement, stored once. `key` dedupes per source item; (account, content_hash) across sources."""

    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint("account_id", "content_hash"),
        Index("ix_statements_published_at", "published_at"),
        Index("ix_statements_translation_pending", "translation_pending"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), nullable=True)
    guid: Mapped[str | None] = mapped_column(String(1000), nullable=True, info={"fit": HASH})
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True, info={"fit": DROP})
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8), default="und")
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime())
    is_repost: Mapped[bool] = mapped_column(Boolean, default=False)
    translation_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    translation_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    translation_attempts: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    mixed: Mapped[bool] = mapped_column(Boolean, default=False)
    abstained: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    cues: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)


class TranslationRow(Base):
    """Translation cache keyed by text hash, source and target language."""

    __tablename__ = "translations"

    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    target_lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    translated: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ChatRow(Base):
    """A Telegram chat that talked to the bot, with its settings and filters."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16), default="private")
    title: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    send_failures: Mapped[int] = mapped_column(Integer, default=0)
    filter_labels: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["escalation", "de-escalation"])
    filter_min_strength: Mapped[float] = mapped_column(Float, default=0.0)
    filter_accounts: Mapped[list[str]] = mapped_column(JSON, default=list)
    filter_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    subscribed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_digest_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # migration 0005: delivery place and manner, keyword filters, a channel managed from here
    thread_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # forum topic of alerts and digests
    silent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    keywords_include: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords_exclude: Mapped[list[str]] = mapped_column(JSON, default=list)
    manages_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # a channel set up from here


class SubscriptionRow(Base):
    """What a chat follows (`all`, an account id, a country code), or an exception to `all`
    (`except-account`, `except-country`)."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("chat_id", "target_kind", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutboxRow(Base):
    """One alert for one chat; the unique pair is what makes delivery at-most-once per statement."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("chat_id", "statement_id"),
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_parts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)  # taken by a delivery pass
