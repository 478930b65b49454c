"""Parse stage on written fixtures and real-world feeds (tests/data/pipeline/SOURCES.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.reader.dates import parse_loose_date
from bot.reader.parser import ParseError, html_to_text, parse_document, parse_feed

DATA = Path(__file__).parent.parent / "data" / "pipeline"


def _parse(name: str) -> list:
    return parse_feed((DATA / name).read_bytes(), "application/xml", f"https://feeds.example/{name}")


def test_rss_entries_carry_text_title_link_guid_and_utc_date():
    first = _parse("ministry_rss.xml")[0]
    assert first.title == "Statement on the strikes"
    assert first.text == "We reserve the right to respond in self-defence to the unprovoked missile strikes."
    assert first.url == "https://mfa.example/press/1"
    assert first.guid and first.guid.endswith("mfa-1")
    assert first.published == datetime(2025, 5, 10, 8, 0, tzinfo=UTC)


def test_atom_entries_are_read_like_rss():
    entries = _parse("ministry_atom.xml")
    assert [e.url for e in entries] == ["https://spokesperson.example/posts/9", "https://spokesperson.example/posts/10"]


def test_relative_links_resolve_against_each_elements_xml_base():
    """feedparser's base-URI joins are remembered between tags (see parser.py): nested and
    sibling bases must still resolve each link against its own element's base."""
    body = b"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/news/"><title>t</title>
<entry xml:base="2026/"><id>a</id><title>One</title><link href="one.html"/><summary>First</summary></entry>
<entry><id>b</id><title>Two</title><link href="/two.html"/><summary>Second</summary></entry>
<entry><id>c</id><title>Three</title><link href="javascript:alert(1)"/><summary>Third</summary></entry>
</feed>"""
    entries = parse_feed(body, "application/atom+xml", "https://example.org/feed.xml")
    assert [(e.url, e.guid) for e in entries] == [
        ("https://example.org/news/2026/one.html", "https://example.org/news/2026/a"),
        ("https://example.org/two.html", "https://example.org/news/b"),
        (None, "https://example.org/news/c"),
    ]


def test_real_italian_feed_with_italian_weekday_gets_its_date():
    [entry] = _parse("ilmessaggero_italian_dates.xml")
    assert entry.published == datetime(2022, 11, 15, 23, 38, 15, tzinfo=UTC)
    assert entry.text and "\ufffd" not in entry.title


def test_real_rdf_feed_without_dates_or_guids_still_yields_every_item():
    entries = _parse("rdf_heise_no_dates.xml")
    assert len(entries) == 60
    assert all(e.published is None and e.url for e in entries)


def test_real_french_feed_in_undeclared_latin1_is_decoded():
    entries = _parse("french_latin1_undeclared.xml")
    assert entries and any("é" in e.text for e in entries)


def test_a_truncated_feed_is_an_error_not_an_empty_feed():
    with pytest.raises(ParseError, match="truncated"):
        _parse("truncated_reuters.xml")


def test_an_html_page_answered_with_200_is_not_a_feed():
    with pytest.raises(ParseError, match="HTML page, not a feed"):
        parse_document((DATA / "not_a_feed.html").read_bytes(), "text/html", "https://x/", "feed")


def test_entity_declarations_are_refused_before_parsing():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b"<rss><channel><item><title>&lol2;</title></item></channel></rss>"
    )
    with pytest.raises(ParseError, match="ENTITY"):
        parse_feed(bomb, "application/xml", "https://x/")


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    markup = "<p>First &amp; <b>bold</b></p><script>alert(1)</script><p>Second<br>line</p>"
    assert html_to_text(markup) == "First & bold\n\nSecond\nline"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("mer, 16 nov 2022 00:38:15 +0100", datetime(2022, 11, 15, 23, 38, 15, tzinfo=UTC)),
        ("sab, 10 mag 2025 12:00:00 +0200", datetime(2025, 5, 10, 10, 0, tzinfo=UTC)),
        ("lun., 3 févr. 2025 08:00:00 +0000", datetime(2025, 2, 3, 8, 0, tzinfo=UTC)),
        ("not a date", None),
    ],
)
def test_loose_dates_in_other_languages(raw, expected):
    assert parse_loose_date(raw) == expected

