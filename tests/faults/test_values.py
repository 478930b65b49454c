"""Every value from outside is clamped or refused: dates, waits, intervals, links, keys.

The smallest inputs of issue 9 items 2–4 and the also-found cases, checked at the
function that once raised or let them through.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.backoff import MAX_BACKOFF, clamp_seconds, next_poll_after_failure, next_poll_after_success, with_jitter
from bot.coverage import Coverage
from bot.dedupe import to_statements
from bot.digest import summarise
from bot.model import FeedEntry
from bot.reader.dates import from_iso, from_struct, parse_loose_date, plausible
from bot.reader.fetch_errors import MAX_RETRY_AFTER, parse_retry_after
from bot.reader.urls import safe_url
from bot.render.alert import format_alert
from bot.render.digest import format_digest
from bot.storage.tables import StatementRow
from tests.render.test_alert import CONTENT

NOW = datetime(2025, 5, 10, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("86400000000000", MAX_RETRY_AFTER),
        ("9" * 5000, MAX_RETRY_AFTER),
        ("120", 120.0),
        ("¹", None),  # a Unicode digit is not a number of seconds
        ("Fri, 31 Dec 9999 23:59:59 GMT", MAX_RETRY_AFTER),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
    ],
)
def test_retry_after_is_read_within_zero_to_six_hours(header, seconds):
    assert parse_retry_after(header) == seconds


def test_back_off_never_overflows_and_stays_within_six_hours():
    for poll_seconds, errors, retry_after in [
        (260_000_000_000, 1, None),
        (60, 10_000, None),
        (60, 1, float("inf")),
        (60, 1, 86_400_000_000_000.0),
        (0, 1, None),
    ]:
        when = next_poll_after_failure(NOW, poll_seconds, errors, retry_after)
        assert NOW + timedelta(seconds=1) <= when <= NOW + MAX_BACKOFF
    assert next_poll_after_failure(NOW, 60, 1, 3600.0) == NOW + timedelta(hours=1)


def test_poll_intervals_are_clamped_between_one_second_and_one_day():
    assert clamp_seconds(260_000_000_000) == 86_400 and clamp_seconds(0) == 1
    assert next_poll_after_success(NOW, 260_000_000_000) == NOW + timedelta(days=1)
    assert with_jitter(NOW, 260_000_000_000) <= NOW + timedelta(seconds=5)


def test_dates_outside_1970_to_2100_are_no_dates():
    assert from_struct(time.struct_time((10000, 1, 1, 0, 0, 59, 5, 1, 0))) is None  # feedparser's year 10000
    assert parse_loose_date("Fri, 31 Dec 9999 23:59:59 -0001") is None
    assert parse_loose_date("Mon, 01 Jan 1900 00:00:00 GMT") is None
    assert from_iso("9999-12-31T23:59:59-00:01") is None
    assert plausible(datetime(2099, 12, 31, 23, 59, tzinfo=UTC)) is not None
    assert plausible(datetime(2100, 1, 1, tzinfo=UTC)) is None
    assert parse_loose_date("Sat, 10 May 2025 12:00:00 +0200") == datetime(2025, 5, 10, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x", "data:text/html,<b>x</b>", "vbscript:x",
     "//host/path", "https:///nohost", "http://x.test:65536/", 'https://x.test/"onmouseover="x', ""],
)
def test_only_absolute_http_links_are_safe(url):
    assert safe_url(url) is None


READ_ALL = Coverage(NOW - timedelta(hours=24), True, 1, 1, 0, 0, 0)


def test_a_javascript_link_reaches_neither_an_alert_nor_a_digest():
    alert = format_alert(replace(CONTENT, url="javascript:alert(1)"), "en", "UTC")
    assert "javascript" not in alert and "<a " not in alert
    row = StatementRow(
        account_id="pk", label="escalation", score=0.9, text="Strikes", url="javascript:alert(1)",
        published_at=NOW - timedelta(hours=1),
    )
    digest = format_digest(summarise([row], {"pk": "Pakistan MFA"}, NOW, "UTC", READ_ALL), "en")
    assert "Strikes" in digest and "javascript" not in digest
    assert safe_url("https://esteri.it/a?x=1&y=2") == "https://esteri.it/a?x=1&y=2"


def test_items_sharing_one_guid_stay_distinct_and_only_true_repeats_are_merged():
    same_guid = [FeedEntry(text=f"Statement number {n}.", guid="same", url=f"https://x.test/{n}") for n in range(500)]
    batch = to_statements("acc", 1, same_guid, NOW)
    assert len(batch.statements) == 500 and batch.merged == 0
    assert len({s.key for s in batch.statements}) == 500

    same_link = [FeedEntry(text=f"Statement number {n}.", guid="same", url="https://x.test/") for n in range(3)]
    repeated = [*same_link, same_link[1]]
    batch = to_statements("acc", 1, repeated, NOW)
    assert [s.text for s in batch.statements] == [e.text for e in same_link] and batch.merged == 1


def test_a_lone_item_keeps_its_guid_key_so_stored_keys_stay_stable():
    [alone] = to_statements("acc", 1, [FeedEntry(text="a", guid="g1")], NOW).statements
    [again] = to_statements("acc", 1, [FeedEntry(text="edited a", guid="g1")], NOW).statements
    assert alone.key == again.key
