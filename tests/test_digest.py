"""Digest: counts, tension index and its change, strongest statements, per account, chart —
and honesty: coverage in every digest, no "quiet day" when nothing was read, abstained
statements kept apart, quotes in the chat's language."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.coverage import Coverage
from bot.digest import build_digest, summarise, tension_index, translate_quotes
from bot.model import Label
from bot.render.chart import render_chart, sparkline
from bot.render.digest import format_digest
from bot.settings import load_settings
from bot.storage.tables import StatementRow
from bot.translate import TranslationService
from tests.ops.conftest import add_source

END = datetime(2025, 5, 11, 6, 0, tzinfo=UTC)
READ = Coverage(END - timedelta(hours=24), True, 4, 4, 0, 0, 0)
DEFAULTS = load_settings({"DATABASE_URL": "sqlite://", "LADDERWATCH_TRANSLATOR": "none"}, env_file=None)
UNREAD = Coverage(END - timedelta(hours=24), True, 4, 0, 2, 2, 0)
PARTLY = Coverage(END - timedelta(hours=24), True, 25, 8, 17, 0, 0)


def _row(
    hours_ago: float,
    label: str,
    score: float,
    account: str = "pk",
    text: str = "x",
    abstained: bool = False,
    lang: str = "en",
) -> StatementRow:
    return StatementRow(
        account_id=account,
        label=label,
        score=score,
        text=text,
        lang=lang,
        url=f"https://x/{hours_ago}",
        published_at=END - timedelta(hours=hours_ago),
        abstained=abstained,
    )


def test_tension_index_is_fifty_when_calm_and_damped_for_few_statements():
    assert tension_index([]) == 50
    assert tension_index([1.0]) == 62.5
    assert tension_index([-1.0] * 97) == 1.5


def test_summary_counts_the_window_and_compares_with_the_day_before():
    rows = [
        _row(1, "escalation", 0.9, text="Strikes <b>continue</b>"),
        _row(2, "de-escalation", -0.8, account="us"),
        _row(3, "neutral", 0.0),
        _row(30, "escalation", 0.7),
        _row(100, "escalation", 0.9),
    ]
    digest = summarise(rows, {"pk": "Pakistan MFA", "us": "State Dept"}, END, "Asia/Karachi", READ)
    assert digest.counts == {Label.ESCALATION: 1, Label.DEESCALATION: 1, Label.NEUTRAL: 1}
    assert digest.previous_tension == tension_index([0.7])
    assert [i.account_name for i in digest.escalations] == ["Pakistan MFA"]
    assert [a.name for a in digest.accounts] == ["Pakistan MFA", "State Dept"]
    assert len(digest.days) == 7 and digest.days[-1].day.isoformat() == "2025-05-11"
    html = format_digest(digest, "en")
    assert "Strikes &lt;b&gt;continue&lt;/b&gt;" in html
    assert "Tension index" in html and "State Dept" in html
    assert "📡 4 of 4 sources answered in the last 24 h" in html


def test_a_day_without_conflict_statements_is_a_quiet_day_not_silence():
    digest = summarise([_row(2, "neutral", 0.0)], {}, END, "UTC", READ)
    assert digest.quiet and not digest.nothing_read
    assert "Quiet day" in format_digest(digest, "en")
    assert "Giornata tranquilla" in format_digest(digest, "it")


def test_when_no_source_answered_the_digest_says_so_instead_of_quiet_day_and_tension():
    digest = summarise([_row(30, "escalation", 0.9)], {}, END, "UTC", UNREAD)
    assert digest.nothing_read and not digest.quiet
    html = format_digest(digest, "en")
    assert "Nothing was read in this period" in html
    assert "0 of 4 sources answered in the last 24 h; 2 X sources need LADDERWATCH_X_BRIDGE; 2 failing" in html
    assert "Quiet day" not in html and "Tension index" not in html and "50/100" not in html
    italian = format_digest(digest, "it")
    assert "non è stato letto nulla" in italian and "Indice di tensione" not in italian


def test_statements_stored_in_the_window_count_even_if_the_sources_fail_now():
    digest = summarise([_row(2, "escalation", 0.9)], {}, END, "UTC", UNREAD)
    assert not digest.nothing_read and "Tension index" in format_digest(digest, "en")


def test_too_little_read_is_flagged_above_the_counts():
    html = format_digest(summarise([_row(2, "neutral", 0.0)], {}, END, "UTC", PARTLY), "en")
    assert "Fewer than half of the sources answered" in html
    assert "8 of 25 sources answered in the last 24 h; 17 X sources need LADDERWATCH_X_BRIDGE" in html


def test_abstained_statements_stay_out_of_the_index_and_are_counted_apart():
    unreadable = [_row(h, "neutral", 0.0, abstained=True, lang="am") for h in (1, 2, 3)]
    digest = summarise([_row(1, "escalation", 1.0), *unreadable], {}, END, "UTC", READ)
    assert digest.counts == {Label.ESCALATION: 1, Label.DEESCALATION: 0, Label.NEUTRAL: 0}
    assert digest.abstained == 3
    assert digest.tension == tension_index([1.0])  # three unread texts do not pull it towards calm
    assert digest.days[-1].neutral == 0
    assert "3 statement(s) could not be read" in format_digest(digest, "en")
    only_unreadable = summarise(unreadable, {}, END, "UTC", UNREAD)
    assert not only_unreadable.nothing_read and not only_unreadable.accounts


def test_chart_is_a_png_and_days_without_statements_are_gaps():
    digest = summarise([_row(1, "escalation", 0.9)], {}, END, "Europe/Rome", READ)
    assert [day.tension is None for day in digest.days] == [True] * 6 + [False]
    assert render_chart(digest).startswith(b"\x89PNG")
    assert sparkline([None, 0, 50, 99.9, 100]) == "·▁▅██"


def test_without_matplotlib_the_digest_carries_a_text_sparkline_instead():
    script = """
import json, sys
sys.modules["matplotlib"] = None  # as if the chart extra were not installed
from datetime import UTC, datetime, timedelta
from bot.coverage import Coverage
from bot.digest import summarise
from bot.render.chart import chart_available, render_chart
from bot.render.digest import format_digest
from bot.storage.tables import StatementRow
end = datetime(2025, 5, 11, 6, 0, tzinfo=UTC)
row = StatementRow(account_id="pk", label="escalation", score=0.9, text="x", lang="en", url=None,
                   published_at=end - timedelta(hours=1), abstained=False)
digest = summarise([row], {}, end, "UTC", Coverage(end - timedelta(hours=24), True, 1, 1, 0, 0, 0))
print(json.dumps({"available": chart_available(), "png": render_chart(digest) is not None,
                  "text": format_digest(digest, "en")}))
"""
    root = Path(__file__).parent.parent
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=root)
    report = json.loads(result.stdout)
    assert report == {**report, "available": False, "png": False}
    assert "Tension, last 7 days: ······▅ (61 → 61;" in report["text"]
    assert "pip install 'ladderwatch[chart]'" in report["text"]


def test_with_matplotlib_the_text_has_no_sparkline():
    digest = summarise([_row(1, "escalation", 0.9)], {}, END, "UTC", READ)
    assert "Tension, last 7 days" not in format_digest(digest, "en")


async def test_quotes_are_translated_into_the_chats_language_once_and_cached(tmp_path, libretranslate_server):
    from bot.storage.db import open_database

    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "LADDERWATCH_TRANSLATOR": "libre",
            "LIBRETRANSLATE_URL": libretranslate_server.url,
        },
        env_file=None,
    )
    db = open_database(settings.database_url)
    try:
        original = "We will respond with full force to any attack."
        libretranslate_server.translations[original] = "Risponderemo con tutta la forza a qualsiasi attacco."
        rows = [_row(1, "escalation", 0.9, text=original), _row(2, "de-escalation", -0.7, text="Calma.", lang="it")]
        digest = summarise(rows, {}, END, "UTC", READ)
        translator = TranslationService(settings, db)

        italian = await translate_quotes(digest, "it", translator)
        html = format_digest(italian, "it")
        assert "↳ <i>Risponderemo con tutta la forza a qualsiasi attacco.</i>" in html
        assert italian.deescalations[0].translation is None  # already in Italian
        assert libretranslate_server.queries == [original]

        await translate_quotes(digest, "it", translator)  # the next digest reads the cache
        assert libretranslate_server.queries == [original]

        english = await translate_quotes(digest, "en", translator)
        assert english.escalations[0].translation is None
        assert "↳" in format_digest(english, "en")  # the Italian quote gets its translation
        libretranslate_server.fail_next(5)
        fresh = summarise([_row(1, "escalation", 0.9, text="Strikes resumed.")], {}, END, "UTC", READ)
        missing = await translate_quotes(fresh, "it", translator)
        assert "La traduzione in Italiano non è disponibile al momento" in format_digest(missing, "it")
    finally:
        db.close()


def test_build_digest_reports_the_coverage_of_the_chats_accounts(tmp_path):
    from bot.storage.db import open_database

    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        add_source(db, "rubio", answered_hours_ago=1)
        add_source(db, "sharif", "x", answered_hours_ago=None, errors=1)
        now = datetime.now(UTC)
        mine = build_digest(db, {"sharif"}, now, "UTC", DEFAULTS)
        assert mine.nothing_read
        assert "0 of 1 sources answered in the last 24 h; 1 X source needs LADDERWATCH_X_BRIDGE" in format_digest(
            mine, "en"
        )
        everyone = build_digest(db, None, now, "UTC", DEFAULTS)
        assert everyone.coverage.answered == 1 and not everyone.nothing_read
        past = build_digest(db, None, now - timedelta(days=3), "UTC", DEFAULTS)
        assert not past.coverage.live and "since" in format_digest(past, "en")
    finally:
        db.close()


def test_a_live_digest_says_when_nothing_has_polled_for_hours_and_claims_no_quiet_day(tmp_path):
    from sqlalchemy import update

    from bot.storage.db import open_database
    from bot.storage.tables import SourceRow

    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        add_source(db, "rubio", answered_hours_ago=5)
        now = datetime.now(UTC)
        fresh = build_digest(db, None, now, "UTC", DEFAULTS)
        assert fresh.coverage.stalled_since is None  # next poll not set: nothing overdue
        with db.session() as session:  # due 4 h ago, last fetched 5 h ago: nothing polls
            session.execute(
                update(SourceRow).values(last_fetch_at=now - timedelta(hours=5), next_poll_at=now - timedelta(hours=4))
            )
        digest = build_digest(db, None, now, "UTC", DEFAULTS)
        text = format_digest(digest, "en")
        assert "1 of 1 sources answered in the last 24 h" in text  # true, yet not the whole story
        assert "⚠️ Nothing has been polled since" in text and "Quiet day" not in text
        assert "Nessuna fonte è stata interrogata dalle" in format_digest(digest, "it")
    finally:
        db.close()
