"""A chat's stored digest time that cannot be read (an edited database) costs that chat its
daily digest, with a warning — not a ValueError when the bot schedules every chat at start."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from bot.storage import chats as chat_store
from bot.storage.db import open_database
from bot.storage.tables import ChatRow
from bot.tg.digests import digest_clock


def test_an_unreadable_digest_time_means_no_digest_not_an_error(tmp_path, caplog):
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        chat, _ = chat_store.ensure_chat(db, 7, "private", "Ada", "en", datetime.now(UTC))
        assert digest_clock(chat) is not None
        for broken in ("99:99", "8", "ab:cd"):
            with db.session() as session:
                session.execute(update(ChatRow).where(ChatRow.id == 7).values(digest_time=broken))
            stored = chat_store.get_chat(db, 7)
            assert stored is not None and digest_clock(stored) is None
        assert "unusable digest time" in caplog.text
    finally:
        db.close()
