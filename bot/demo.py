"""`ladderwatch demo`: the whole pipeline offline, on sample feeds shipped in the package.

The samples are served by a loopback HTTP server and go through the real fetch → parse →
… → alerts path. Round one is the backlog a new subscriber does not get alerted about;
round two "publishes" the last hours' statements, which become alerts for a demo chat.
Dates in the samples are relative (`{{date:-3h}}`) so the digest always has a fresh day.

The demo never touches the network: the same server answers LibreTranslate's
`POST /translate` with the hand translations in `samples/translations.yaml`, and the demo
uses that as its only translator, whatever LADDERWATCH_TRANSLATOR says.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import yaml

from bot.cli_errors import write_output
from bot.delivery import render_alert
from bot.digest import build_digest, translate_quotes
from bot.pipeline import Pipeline
from bot.reader.parser import html_to_text
from bot.render.chart import render_chart
from bot.render.digest import format_digest
from bot.settings import Settings, load_settings
from bot.storage import chats as chat_store
from bot.storage import outbox as outbox_store
from bot.storage import subscriptions as subscription_store
from bot.storage.subscriptions import ALL
from bot.translators import SAMPLES as SAMPLE_TRANSLATIONS

SAMPLES = Path(__file__).parent / "samples"
DEMO_CHAT_ID = 1001
NEW_WITHIN = timedelta(hours=6)
_PLACEHOLDER = re.compile(r"\{\{(date|data|iso):-(\d+)h\}\}")
_ITEM = re.compile(r"<(item|entry)>.*?</\1>", re.DOTALL)
_IT_DAYS = ("lun", "mar", "mer", "gio", "ven", "sab", "dom")
_IT_MONTHS = ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _italian_date(when: datetime) -> str:
    """The Italian RFC-822 variant some Italian feeds publish (feedparser cannot read it)."""
    return f"{_IT_DAYS[when.weekday()]}, {when:%d} {_IT_MONTHS[when.month - 1]} {when:%Y %H:%M:%S} +0000"


def render_sample(template: str, now: datetime, include_new: bool) -> str:
    """Fill relative dates; without `include_new`, drop the items of the last six hours."""

    def date_for(match: re.Match[str]) -> str:
        when = now - timedelta(hours=int(match.group(2)))
        kind = match.group(1)
        if kind == "iso":
            return when.isoformat(timespec="seconds")
        return _italian_date(when) if kind == "data" else format_datetime(when)

    def keep(match: re.Match[str]) -> str:
        hours = [int(h) for _, h in _PLACEHOLDER.findall(match.group(0))]
        is_new = bool(hours) and timedelta(hours=min(hours)) < NEW_WITHIN
        return match.group(0) if include_new or not is_new else ""

    return _PLACEHOLDER.sub(date_for, _ITEM.sub(keep, template))


def bundled_translation(text: str, sentences: dict[str, str]) -> str | None:
    """The English of a demo text, line by line and sentence by sentence; None if any is unknown."""
    lines = []
    for line in text.splitlines():
        parts = [sentences.get(sentence.strip()) for sentence in _SENTENCE_END.split(line) if sentence.strip()]
        if None in parts:
            return None
        lines.append(" ".join(str(part) for part in parts))
    return "\n".join(lines)


class SampleServer:
    """Serves bot/samples/*.xml on 127.0.0.1, and the bundled translations as LibreTranslate
    does (`POST /translate`); `include_new` flips between the two rounds."""

    def __init__(self, now: datetime) -> None:
        self.now, self.include_new = now, False
        self.sentences: dict[str, str] = yaml.safe_load(
            (SAMPLES / "translations.yaml").read_text(encoding="utf-8")
        )["sentences"]
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = SAMPLES / Path(self.path.lstrip("/")).name
                if path.suffix != ".xml" or not path.is_file():
                    self.send_error(404)
                    return
                body = render_sample(path.read_text(encoding="utf-8"), server.now, server.include_new).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                params = dict(parse_qsl(urlsplit(self.path).query))
                english = bundled_translation(params.get("q", ""), server.sentences)
                if urlsplit(self.path).path != "/translate" or params.get("target") != "en" or english is None:
                    self._json(404, {"error": "the demo has no bundled translation for this text"})
                else:
                    self._json(200, {"translatedText": english})

            def _json(self, status: int, answer: dict[str, str]) -> None:
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[SampleServer]:
        thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()


def demo_settings(base: Settings, folder: Path, server_url: str) -> Settings:
    """The user's settings with a private database and watchlist, and the sample server as
    the only translator: nothing in the demo reaches beyond 127.0.0.1."""
    watchlist = (SAMPLES / "watchlist.yaml").read_text(encoding="utf-8").replace("{{base}}", server_url)
    (folder / "watchlist.yaml").write_text(watchlist, encoding="utf-8")
    return replace(
        base,
        database_url=f"sqlite:///{folder / 'demo.sqlite3'}",
        config_dir=folder,
        allow_private_urls=True,
        translators=(SAMPLE_TRANSLATIONS,),
        libretranslate_url=server_url + "/",
        libretranslate_api_key=None,
        deepl_api_key=None,
        x_bridge=None,
    )


def _print_round(title: str, results: list, pipeline: Pipeline) -> None:
    print(f"\n== {title} ==")
    for result in results:
        state = f"failed: {result.error}" if result.error else f"{len(result.new_ids)} new statements"
        print(f"  {result.account_id:<10} {state}")


async def run_demo(chart_path: Path) -> int:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="ladderwatch-demo-") as tmp, SampleServer(now).running() as server:
        settings = demo_settings(load_settings(), Path(tmp), server.url)
        pipeline = await Pipeline.open(settings)
        try:
            _print_round(
                "Round 1: first poll stores the backlog (no alerts for it)", await pipeline.poll_all(), pipeline
            )
            chat_store.ensure_chat(pipeline.db, DEMO_CHAT_ID, "private", "Demo analyst", "en", now)
            subscription_store.subscribe(pipeline.db, DEMO_CHAT_ID, ALL, "", now - NEW_WITHIN)
            server.include_new = True
            _print_round("Round 2: the feeds publish the last hours' statements", await pipeline.poll_all(), pipeline)
            print(
                "\ntranslation: the demo's bundled translations, served on 127.0.0.1 (no network); "
                "`run` and `poll` use LADDERWATCH_TRANSLATOR"
            )

            print("\n== Alerts, as the demo chat sees them (default filters: escalation, de-escalation) ==")
            chat = chat_store.get_chat(pipeline.db, DEMO_CHAT_ID)
            assert chat is not None
            alerts = outbox_store.due_alerts(pipeline.db, datetime.now(UTC), limit=100)
            for item in alerts:
                content = outbox_store.alert_content(pipeline.db, item.statement_id)
                if content is None:
                    continue
                message = await render_alert(content, chat, pipeline.translator)
                print("-" * 72)
                print(html_to_text(message))
            print("-" * 72)
            print(f"{len(alerts)} alerts for the demo chat.")

            digest = build_digest(pipeline.db, None, datetime.now(UTC), "UTC", settings)
            digest = await translate_quotes(digest, "en", pipeline.translator)
            print("\n== Digest ==")
            print(html_to_text(format_digest(digest, "en")))
            chart = render_chart(digest, "en")
            if chart is not None:
                write_output(chart_path, chart, "the digest chart")
                print(f"\nDigest chart written to {chart_path.resolve()}")
            else:
                print(f"\nNo digest chart written to {chart_path}: the chart needs matplotlib "
                      "(pip install 'ladderwatch[chart]'); the digest above has a text sparkline instead")
        finally:
            await pipeline.close()
    return 0
