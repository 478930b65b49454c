"""Hostile feeds, each the smallest input that once crashed or fooled `poll --once` (issue 9).

Every case is served by a real loopback `FeedServer` next to a good feed, and polled with
`ladderwatch poll --once` in-process. `run_case` returns what happened (exit code, output,
the hostile source's row and statements); each case's `check` says what must be true.
The same catalogue feeds `tests/faults/test_hostile_feeds.py` and `tests/faults/figures.py`.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.cli import main
from bot.storage.db import open_database
from bot.storage.tables import SourceRow, StatementRow
from tests.faults.peak import peak_mb
from tests.support.feed_server import FeedServer

GOOD_ITEMS = 3
HOSTILE_PATH = "/hostile"
ATOM_TYPE = "application/atom+xml"


def rss(items: str, *, prolog: str = "") -> bytes:
    head = '<?xml version="1.0" encoding="utf-8"?>' + prolog
    return f'{head}<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def item(text: str, *, guid: str | None = None, link: str | None = None, date: str | None = None) -> str:
    parts = [f"<description>{text}</description>"]
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


GOOD_FEED = rss(
    "".join(
        item(f"The ministry held talks number {n} today.", guid=f"good-{n}", date="Sat, 10 May 2025 12:00:00 GMT")
        for n in range(GOOD_ITEMS)
    )
)


@dataclass
class Outcome:
    """What one `poll --once` did with a good feed and one hostile source."""

    exit_code: int | None
    crashed: str | None  # the exception that escaped `main`, if any
    out: str
    err: str
    source: SourceRow | None
    statements: list[StatementRow]
    good_statements: int
    polled_at: datetime
    seconds: float | None = None  # wall time of the poll, when run as a child process
    peak_mb: float | None = None  # its peak resident memory

    @property
    def traceback_printed(self) -> bool:
        return "Traceback (most recent call last)" in self.out + self.err


@dataclass(frozen=True)
class Case:
    """One hostile input: how the server (or settings) present it, and what must hold after."""

    name: str
    reference: str  # the issue 9 item it reproduces
    serve: Callable[[FeedServer], None]
    check: Callable[[Outcome], None]
    kind: str = "rss"  # the hostile source's kind in the watchlist
    env: dict[str, str] = field(default_factory=dict)


def _watchlist(server: FeedServer, hostile_source: str) -> str:
    return f"""accounts:
  - id: good
    name: Good Ministry
    sources:
      - rss: {server.url("/good.xml")}
  - id: hostile
    name: Hostile Source
    sources:
      - {hostile_source}
"""


def _hostile_source(server: FeedServer, case: Case) -> str:
    return f"{case.kind}: {server.url(HOSTILE_PATH) if case.kind == 'rss' else 'hostile_channel'}"


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Exactly `values` as Ladderwatch settings (nothing from the caller's environment)."""
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith(("LADDERWATCH_", "TELEGRAM_", "LIBRETRANSLATE_"))]:
        del os.environ[name]
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_case(case: Case, server: FeedServer, folder: Path) -> Outcome:
    """Serve the case beside the good feed and run `ladderwatch poll --once` once."""
    case.serve(server)
    return poll_beside_good_feed(server, folder, _hostile_source(server, case), case.env)


def poll_beside_good_feed(
    server: FeedServer, folder: Path, hostile_source: str, env: dict[str, str], *, in_process: bool = True
) -> Outcome:
    """`ladderwatch poll --once` on a watchlist of the good feed and `hostile_source` ("kind: handle"),
    in this process (tests) or as a child process whose time and peak memory are measured (figures)."""
    server.set("/good.xml", GOOD_FEED)
    config = folder / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "watchlist.yaml").write_text(_watchlist(server, hostile_source), encoding="utf-8")
    database_url = f"sqlite:///{folder / 'ladderwatch.sqlite3'}"
    env = {
        "DATABASE_URL": database_url,
        "LADDERWATCH_CONFIG": str(config),
        "LADDERWATCH_ALLOW_PRIVATE_URLS": "1",
        "LADDERWATCH_TRANSLATOR": "none",
        **env,
    }
    polled_at = datetime.now(UTC)
    if in_process:
        exit_code, crashed, out, err = _poll_in_process(env, folder)
        seconds = peak_mb = None
    else:
        started = time.monotonic()
        exit_code, out, err, peak_mb = _poll_in_a_process(env, folder)
        crashed, seconds = None, time.monotonic() - started
    db = open_database(database_url)
    try:
        with db.session() as session:
            source = session.scalars(select(SourceRow).where(SourceRow.account_id == "hostile")).first()
            rows = list(session.scalars(select(StatementRow).order_by(StatementRow.id)))
    finally:
        db.close()
    return Outcome(
        exit_code=exit_code,
        crashed=crashed,
        out=out,
        err=err,
        source=source,
        statements=[r for r in rows if r.account_id == "hostile"],
        good_statements=sum(1 for r in rows if r.account_id == "good"),
        polled_at=polled_at,
        seconds=seconds,
        peak_mb=peak_mb,
    )


def _poll_in_process(env: dict[str, str], folder: Path) -> tuple[int | None, str | None, str, str]:
    out, err = io.StringIO(), io.StringIO()
    exit_code, crashed = None, None
    with _environment(env), contextlib.chdir(folder), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            exit_code = main(["poll", "--once"])
        except BaseException as error:  # a crash is what this harness counts
            crashed = f"{type(error).__name__}: {error}"
    return exit_code, crashed, out.getvalue(), err.getvalue()


def _poll_in_a_process(env: dict[str, str], folder: Path) -> tuple[int, str, str, float]:
    """`python -m bot poll --once` as a child process: exit code, output, and its peak memory in MB."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LADDERWATCH_", "TELEGRAM_", "LIBRETRANSLATE_"))}
    out_path, err_path, peak_path = folder / "poll.out", folder / "poll.err", folder / "poll.peak"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        child = subprocess.run(
            [sys.executable, "-m", "tests.faults.peak", "poll", "--once"],
            env={**base, "PYTHONPATH": os.getcwd(), "FAULTS_PEAK_FILE": str(peak_path), **env},
            cwd=folder,
            stdout=out,
            stderr=err,
            check=False,
        )
    out_text, err_text = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    return child.returncode, out_text, err_text, peak_mb(peak_path)



# --- expectations ---------------------------------------------------------------------------


def fails_with(*words: str, kind: str | None = None) -> Callable[[Outcome], None]:
    """The source is failing with a line naming `words`, and backed off (not due now)."""

    def check(outcome: Outcome) -> None:
        source = outcome.source
        assert source is not None and source.consecutive_errors == 1, outcome.err
        assert source.last_error is not None and "\n" not in source.last_error
        for word in words:
            assert word in source.last_error, source.last_error
        if kind is not None:
            assert source.last_error_kind == kind, source.last_error_kind
        assert source.next_poll_at is not None and source.next_poll_at > outcome.polled_at
        assert source.next_poll_at <= outcome.polled_at + timedelta(hours=6, minutes=1)

    return check


def stores(count: int, *, estimated: bool | None = None) -> Callable[[Outcome], None]:
    """The source worked: `count` statements, dates estimated or not."""

    def check(outcome: Outcome) -> None:
        source = outcome.source
        assert source is not None and source.consecutive_errors == 0, source and source.last_error
        assert len(outcome.statements) == count, [s.text for s in outcome.statements]
        if estimated is not None:
            assert all(s.published_estimated is estimated for s in outcome.statements)

    return check


def all_of(*checks: Callable[[Outcome], None]) -> Callable[[Outcome], None]:
    def check(outcome: Outcome) -> None:
        for one in checks:
            one(outcome)

    return check


def serving(body: bytes, **options: object) -> Callable[[FeedServer], None]:
    return lambda server: server.set(HOSTILE_PATH, body, **options)  # type: ignore[arg-type]


def _no_javascript_link(outcome: Outcome) -> None:
    assert [s.url for s in outcome.statements] == [None]


def _long_fields_fitted(outcome: Outcome) -> None:
    [statement] = outcome.statements
    assert statement.guid is not None and statement.guid.startswith("sha256:")
    assert statement.url is None
    source = outcome.source
    assert source is not None and source.etag is None and source.last_modified is None


def _nested_spans_read(outcome: Outcome) -> None:
    [statement] = outcome.statements
    assert statement.text == "deep words"


def _merged_repeat_reported(outcome: Outcome) -> None:
    assert "1 of 501 items repeated another item" in outcome.err


NETSCAPE_DOCTYPE = (
    '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
    '"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
)
CHANNEL_PAGE = (
    '<html><body><div class="tgme_widget_message" data-post="hostile_channel/1">'
    '<div class="tgme_widget_message_text">' + "<span>" * 1200 + "deep words" + "</span>" * 1200 + "</div></div>"
    "</body></html>"
).encode()
SAME_GUID_ITEMS = "".join(item(f"Statement number {n}.", guid="same", link="https://x.test/") for n in range(500))

CASES: tuple[Case, ...] = (
    Case("empty 200 body", "1", serving(b""), fails_with("empty body", kind="parse")),
    Case("204 No Content", "1", serving(b"", status=204), fails_with("empty body", kind="parse")),
    Case(
        "429 with Retry-After 86400000000000",
        "2",
        serving(b"slow down", status=429, headers={"Retry-After": "86400000000000"}),
        fails_with("HTTP 429", "21600 s", kind="http_status"),
    ),
    Case(
        "503 with a Retry-After date in year 9999",
        "2",
        serving(b"", status=503, headers={"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}),
        fails_with("HTTP 503", kind="http_status"),
    ),
    Case(
        "Atom <updated> in year 10000 after the zone shift",
        "3",
        serving(
            b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
            b"<entry><id>a1</id><title>Talks</title><updated>9999-12-31T23:59:59-00:01</updated>"
            b"<summary>We held talks.</summary></entry></feed>",
            content_type=ATOM_TYPE,
        ),
        stores(1, estimated=True),
    ),
    Case(
        "RSS <pubDate> in year 9999",
        "4",
        serving(rss(item("We held talks.", guid="r1", date="Fri, 31 Dec 9999 23:59:59 -0001"))),
        stores(1, estimated=True),
    ),
    Case(
        "RSS <pubDate> before 1970",
        "dates",
        serving(rss(item("We held talks.", guid="r1", date="Mon, 01 Jan 1900 00:00:00 GMT"))),
        stores(1, estimated=True),
    ),
    Case(
        "guid 1,200 chars, link 2,100, ETag 600, Last-Modified 150",
        "10",
        serving(
            rss(item("We held talks.", guid="g" * 1200, link="https://x.test/" + "a" * 2100)),
            etag='"' + "e" * 600 + '"',
            last_modified="Sat, 10 May 2025 12:00:00 GMT;" + "x" * 120,
        ),
        all_of(stores(1), _long_fields_fitted),
    ),
    Case(
        "t.me post with 1,200 nested spans",
        "11",
        lambda server: server.set("/s/hostile_channel", CHANNEL_PAGE, content_type="text/html"),
        all_of(stores(1), _nested_spans_read),
        kind="telegram",
        env={"LADDERWATCH_TELEGRAM_BRIDGE": "{base}/s/{{channel}}"},
    ),
    Case(
        "RSS 0.91 with the Netscape DOCTYPE",
        "also found",
        serving(
            b'<?xml version="1.0" encoding="ISO-8859-1"?>' + NETSCAPE_DOCTYPE.encode() + b'<rss version="0.91">'
            b"<channel><title>t</title><link>https://x.test/</link><description>d</description>"
            b"<item><title>Caf&eacute; talks</title><link>https://x.test/1</link>"
            b"<description>We held talks.</description></item></channel></rss>"
        ),
        stores(1),
    ),
    Case(
        "an entity declaration (billion laughs)",
        "also found",
        serving(
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<rss><channel><item><title>&b;</title></item></channel></rss>"
        ),
        fails_with("ENTITY", kind="parse"),
    ),
    Case(
        "a feed whose text mentions tgme_widget_message",
        "also found",
        serving(rss(item("Inspect the tgme_widget_message class of the page.", guid="m1"))),
        stores(1),
    ),
    Case(
        "a javascript: link",
        "also found",
        serving(rss(item("We held talks.", guid="j1", link="javascript:alert(document.cookie)"))),
        all_of(stores(1), _no_javascript_link),
    ),
    Case(
        "500 items sharing one guid, one of them repeated",
        "also found",
        serving(rss(SAME_GUID_ITEMS + item("Statement number 7.", guid="same", link="https://x.test/"))),
        all_of(stores(500), _merged_repeat_reported),
    ),
)


def resolve_env(case: Case, server: FeedServer) -> Case:
    """Fill `{base}` in a case's settings with the server's address."""
    env = {name: value.format(base=server.base_url) for name, value in case.env.items()}
    return Case(case.name, case.reference, case.serve, case.check, case.kind, env)
