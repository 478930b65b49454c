"""`ladderwatch worker --until-idle` as a batch job (audit): a run in which every source it
fetched failed exits 1 (as `poll --once`), not 0; one answer is enough for 0."""

from __future__ import annotations

from bot.cli import main

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>MOFA</title>
<item><title>Trade</title><guid>t-1</guid><description>Trade and culture.</description></item></channel></rss>"""


def _watch(env, *urls: str) -> None:
    accounts = "".join(
        f"  - id: a{number}\n    name: A{number}\n    sources: [{{rss: '{url}'}}]\n" for number, url in enumerate(urls)
    )
    env.write_watchlist("accounts:\n" + accounts)


def test_a_batch_run_in_which_every_fetch_failed_exits_1(ladderwatch_env, feed_server, capfd):
    feed_server.set("/gone.xml", b"not here", status=404, content_type="text/plain")
    feed_server.set("/down.xml", b"oops", status=500, content_type="text/plain")
    _watch(ladderwatch_env, feed_server.url("/gone.xml"), feed_server.url("/down.xml"))
    assert main(["worker", "--until-idle"]) == 1
    assert "none of the 2 sources fetched answered" in capfd.readouterr().err


def test_one_source_answering_is_enough_for_0(ladderwatch_env, feed_server):
    feed_server.set("/good.xml", RSS)
    feed_server.set("/gone.xml", b"not here", status=404, content_type="text/plain")
    _watch(ladderwatch_env, feed_server.url("/good.xml"), feed_server.url("/gone.xml"))
    assert main(["worker", "--until-idle"]) == 0
    assert main(["worker", "--until-idle"]) == 0  # nothing due now: nothing failed either
