"""Red-team findings that need more than "no crash": what a hostile answer may cost.

- A decompression bomb costs at most the size cap in memory (it cost 3.9 GB: httpx
  inflated a whole network chunk in one call).
- A 1 MB item is stored whole, but language detection and translation see only what the
  classifier reads (it was sent to the translator whole: hundreds of requests).
- A cache validator that is not ASCII is neither stored nor sent back (every later fetch
  of the source failed before it was sent).
- Discovery finds feed links without building a tree, whatever the page's size.
- A running bot never refreshes one source twice at once, and a stopping one cancels a
  refresh stuck on a silent server instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc

from sqlalchemy import select

from bot.classify.engine import MAX_CLASSIFIED_CHARS
from bot.reader.discovery import find_feed_links
from bot.reader.fetcher import Fetcher, FetchError
from bot.storage.tables import SourceRow, StatementRow
from bot.tg.jobs import app_services, poll_job_ids, refresh_unless_stopping, stop_polling, sync_polls
from tests.faults.hostile import rss
from tests.faults.raw_server import RawServer, answer, gzip_bomb, sends
from tests.tg.conftest import until


async def _peak_while(coroutine) -> tuple[object, int]:
    tracemalloc.start()
    try:
        try:
            result = await coroutine
        except FetchError as error:
            result = error
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def test_a_gzip_in_gzip_bomb_costs_no_more_than_the_cap():
    bomb = gzip_bomb(300_000_000, layers=2)
    with RawServer(sends(answer(200, bomb, {"Content-Encoding": "gzip, gzip"}))) as server:
        async with Fetcher(allow_private=True, max_bytes=1_000_000) as fetcher:
            error, peak = await _peak_while(fetcher.fetch(server.url("/bomb")))

    assert isinstance(error, FetchError) and error.kind == "too_large"
    assert "once decompressed" in str(error)
    assert peak < 20_000_000  # the cap is 1 MB; before, the whole 300 MB was inflated at once


async def test_a_gzipped_feed_under_the_cap_is_read():
    feed = rss("<item><title>Talks</title></item>" * 100)
    with RawServer(sends(answer(200, gzip.compress(feed), {"Content-Encoding": "gzip"}))) as server:
        async with Fetcher(allow_private=True) as fetcher:
            result = await fetcher.fetch(server.url("/feed"))

    assert result.body == feed


async def test_a_non_ascii_etag_is_neither_kept_nor_sent_back():
    headers = {"ETag": '"\xe9t\xe9"', "Last-Modified": "Sat, 10 May 2025 12:00:00 GMT \xff"}
    with RawServer(sends(answer(200, rss(""), headers))) as server:
        async with Fetcher(allow_private=True) as fetcher:
            first = await fetcher.fetch(server.url("/feed"))
            again = await fetcher.fetch(server.url("/feed"), etag='"\xe9t\xe9"', last_modified="\u20ac")

    assert first.etag is None and first.last_modified is None
    assert again.status == 200


def test_discovery_scans_a_page_of_a_million_tags_and_stops_at_broken_ones():
    page = (
        b"<html><head><link rel='alternate' type='application/rss+xml' href='/feed.xml'>"
        + b"<link " * 200_000  # tags that never close: each is skipped, not scanned to the end
        + b"<div><p>a</p></div>" * 300_000
        + b'<link rel="alternate" type="application/atom+xml" href="https://b.example/atom">'
    )
    assert find_feed_links(page, "https://a.example/") == ["https://a.example/feed.xml", "https://b.example/atom"]


def test_a_one_megabyte_item_is_stored_whole_but_translated_and_classified_capped(
    ladderwatch_env, feed_server, libretranslate_server
):
    from bot.cli import main
    from bot.storage.db import open_database

    text = "La delegazione ha tenuto colloqui con i partner. " * 21_000  # 1 MB of Italian
    feed_server.set("/it.xml", rss(f"<item><guid>big</guid><description>{text}</description></item>"))
    ladderwatch_env.write_watchlist(
        f"accounts:\n  - id: it\n    name: Ministero\n    sources:\n      - rss: {feed_server.url('/it.xml')}\n"
    )
    ladderwatch_env.set(LADDERWATCH_TRANSLATOR="libre", LIBRETRANSLATE_URL=libretranslate_server.url)

    assert main(["poll", "--once"]) == 0

    sent = sum(len(query) for query in libretranslate_server.queries)
    assert 0 < sent <= MAX_CLASSIFIED_CHARS
    db = open_database(ladderwatch_env.database_url)
    with db.session() as session:
        [row] = session.scalars(select(StatementRow))
    db.close()
    assert len(row.text) >= 1_000_000 and row.lang == "it"


async def test_a_source_is_never_refreshed_twice_at_once_and_stopping_cancels_a_stuck_refresh(
    application, feed_server
):
    """The sync job runs while a refresh waits on a silent server: no second poll job for it;
    then the bot stops, and the refresh is cancelled (None), not waited for (a timeout result)."""
    svc = app_services(application)
    feed_server.set("/rubio.xml", b"", delay=60)  # accepts, then says nothing
    with svc.db.session() as session:
        source_id = session.scalars(select(SourceRow.id).where(SourceRow.account_id == "rubio")).one()
    svc.polling.add(source_id)  # what poll_job does while the refresh runs
    refresh = asyncio.ensure_future(refresh_unless_stopping(svc, source_id))
    await until(lambda: feed_server.hits("/rubio.xml"))

    await sync_polls(application, first_poll_now=False)
    assert source_id not in poll_job_ids(application.job_queue)

    stop_polling(application)
    assert await refresh is None
