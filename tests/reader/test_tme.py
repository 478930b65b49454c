"""t.me/s channel pages: one entry per post with its own text, id, date and flags."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.reader.parser import parse_document
from bot.reader.tme import parse_channel_page

DATA = Path("tests/data/reader")


def page(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture(scope="module")
def written():
    return parse_channel_page(page("tme_s_mid_test.html"), "https://t.me/s/mid_test")


def test_every_post_with_text_becomes_one_entry_oldest_first(written) -> None:
    assert [e.url for e in written] == [
        f"https://t.me/mid_test/{i}" for i in (1201, 1202, 1203, 1204)
    ]


def test_guid_uses_the_numeric_channel_id_from_data_view(written) -> None:
    assert written[0].guid == "tg:-1065276858/1201"


def test_text_keeps_line_breaks_and_links_without_emoji_markup_or_link_preview(written) -> None:
    text = written[0].text
    assert text.startswith("❗️ Statement by the Ministry\n\nWe call on India and Pakistan")
    assert "political and diplomatic means (https://mid.example/statements/1)." in text
    assert "Read more: https://mid.example/statements/1 #Pakistan" in text
    assert "PREVIEW" not in text and "Preview description" not in text
    assert "<" not in text


def test_photo_caption_is_the_text(written) -> None:
    assert written[1].text == "Photo: the Minister meets the Ambassador of Pakistan."


def test_forwarded_post_is_a_repost_by_its_origin(written) -> None:
    forwarded = written[2]
    assert forwarded.is_repost and forwarded.author == "Other Channel"
    assert not any(e.is_repost for e in written if e is not forwarded)


def test_edited_flag_and_aware_utc_date(written) -> None:
    edited = written[3]
    assert edited.edited and not any(e.edited for e in written[:3])
    assert edited.published == datetime(2025, 5, 10, 13, 5, tzinfo=UTC)
    assert (
        edited.text
        == "We welcome the ceasefire agreed on 10 May 2025.\nBoth sides must respect it."
    )


def test_real_2023_page_pretty_printed_with_albums_and_forwards() -> None:
    entries = parse_channel_page(
        page("telegram_tme_s_any2feed_full_page_topwar_official_2023.html"),
        "https://t.me/s/topwar_official",
    )
    assert len(entries) == 12
    assert all(e.guid and e.guid.startswith("tg:-1084368520/") for e in entries)
    assert entries[0].published == datetime(2023, 2, 28, 7, 47, 53, tzinfo=UTC)
    assert entries[0].text.startswith("В Санкт-Петербурге в небо над городом подняли")
    assert "\n" in entries[0].text and "  " not in entries[0].text
    album = next(e for e in entries if e.url == "https://t.me/topwar_official/70992")
    assert album.text.count("Сегодня ночью в Республике Адыгея") == 1
    assert sum(e.is_repost for e in entries) == 5
    with_preview = next(e for e in entries if e.url == "https://t.me/topwar_official/70996")
    assert with_preview.author == "Военкор Ярем"
    assert "Милитарист" not in with_preview.text  # the link preview's title


def test_real_2026_page_with_nested_text_and_unsupported_post() -> None:
    entries = parse_channel_page(
        page("telegram_tme_s_lifemodel_full_page_anonymized_2026.html"),
        "https://t.me/s/test_channel",
    )
    assert [e.guid for e in entries] == ["tg:test_channel/1001", "tg:test_channel/1010"]
    forwarded = entries[1]
    assert forwarded.is_repost and forwarded.author == "Another Channel"
    assert forwarded.text.count("This is a forwarded message") == 1
    assert "Key updates:\n- Brick masonry on balconies completed" in forwarded.text
    assert "👍" not in entries[0].text  # reactions are not text


def test_real_edited_post_from_2023_markup() -> None:
    [entry] = parse_channel_page(
        page("telegram_tme_s_any2feed_fragment_message_link_preview_video.html"), "https://t.me/s/x"
    )
    assert entry.edited and entry.guid == "tg:fighter_bomber/11226"


def test_garbage_and_feeds_give_no_entries() -> None:
    assert parse_channel_page(b"<html><body>nothing here</body></html>", "https://t.me/s/x") == []
    assert parse_channel_page(page("nitter_secrubio.xml"), "https://t.me/s/x") == []


def test_a_feed_source_answering_with_a_channel_page_is_read_by_its_structure() -> None:
    from_bridge = parse_document(page("tme_s_mid_test.html"), "text/html", "https://bridge.test/s/mid_test", "feed")
    assert from_bridge == parse_channel_page(page("tme_s_mid_test.html"), "https://t.me/s/mid_test")
    assert from_bridge
