"""Rows for Telegram-side tests, written through the real schema (no mocks of the data layer)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

from bot.storage import chats as chat_store
from bot.storage import subscriptions as subscription_store
from bot.storage.db import Database, open_database
from bot.storage.subscriptions import ALL
from bot.storage.tables import AccountRow, SourceRow, StatementRow

NOW = datetime(2025, 5, 10, 12, 0, tzinfo=UTC)


def make_db(folder: Path) -> Database:
    return open_database(f"sqlite:///{folder / 'ladderwatch.sqlite3'}")


def add_account(
    db: Database,
    account_id: str = "tajani",
    name: str = "Antonio Tajani",
    role: str = "Foreign Minister of Italy",
    country: str = "IT",
) -> str:
    with db.session() as session:
        session.add(
            AccountRow(
                id=account_id,
                name=name,
                role=role,
                country=country,
                languages=[],
                origin="chat",
                updated_at=NOW,
            )
        )
    return account_id


def add_statement(
    db: Database,
    text: str,
    *,
    account_id: str = "tajani",
    label: str = "escalation",
    score: float = 0.8,
    published: datetime = NOW,
    lang: str = "en",
    is_repost: bool = False,
    url: str | None = "https://example.org/s/1",
    translation_en: str | None = None,
    cues: tuple[str, ...] = ("reserve the right",),
    source_id: int | None = None,
    estimated: bool = False,
) -> int:
    digest = hashlib.sha256(f"{account_id}{text}{published}{lang}".encode()).hexdigest()
    with db.session() as session:
        row = StatementRow(
            key=digest,
            content_hash=digest,
            account_id=account_id,
            url=url,
            title="",
            text=text,
            lang=lang,
            published_at=published,
            published_estimated=estimated,
            source_id=source_id,
            fetched_at=published,
            is_repost=is_repost,
            translation_en=translation_en,
            label=label,
            score=score,
            confidence=0.9,
            mixed=False,
            cues=[{"text": cue, "lang": lang, "weight": 5.0, "category": "threat"} for cue in cues],
        )
        session.add(row)
        session.flush()
        return row.id


def add_source(db: Database, account_id: str = "tajani", polled_before: bool = False) -> int:
    with db.session() as session:
        row = SourceRow(
            account_id=account_id,
            kind="rss",
            handle=f"https://example.org/{'polled' if polled_before else 'new'}.xml",
            last_success_at=NOW - timedelta(hours=2) if polled_before else None,
        )
        session.add(row)
        session.flush()
        return row.id


def add_chat(
    db: Database,
    chat_id: int,
    *,
    subscribed_at: datetime = NOW - timedelta(hours=1),
    kind: str = ALL,
    target: str = "",
    language: str = "en",
    chat_type: str = "private",
) -> int:
    chat_store.ensure_chat(db, chat_id, chat_type, "", language, subscribed_at)
    subscription_store.subscribe(db, chat_id, kind, target, subscribed_at)
    return chat_id


def rss(items: list[tuple[str, str, datetime]], title: str = "Statements") -> bytes:
    """An RSS 2.0 feed of (guid, text, published) items."""
    entries = "".join(
        f"<item><guid>{escape(guid)}</guid><link>https://example.org/{escape(guid)}</link>"
        f"<description>{escape(text)}</description><pubDate>{format_datetime(published)}</pubDate></item>"
        for guid, text, published in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://example.org/</link><description>test</description>{entries}</channel></rss>"
    ).encode()
