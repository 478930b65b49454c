"""Digest: counts, tension index and its change, strongest statements, per account, chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest import format_digest, render_chart, summarise, tension_index
from bot.model import Label
from bot.storage.tables import StatementRow

END = datetime(2025, 5, 11, 6, 0, tzinfo=UTC)


def _row(hours_ago: float, label: str, score: float, account: str = "pk", text: str = "x") -> StatementRow:
    return StatementRow(
        account_id=account,
        label=label,
        score=score,
        text=text,
        url=f"https://x/{hours_ago}",
        published_at=END - timedelta(hours=hours_ago),
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
    digest = summarise(rows, {"pk": "Pakistan MFA", "us": "State Dept"}, END, "Asia/Karachi")
    assert digest.counts == {Label.ESCALATION: 1, Label.DEESCALATION: 1, Label.NEUTRAL: 1}
    assert digest.previous_tension == tension_index([0.7])
    assert [i.account_name for i in digest.escalations] == ["Pakistan MFA"]
    assert [a.name for a in digest.accounts] == ["Pakistan MFA", "State Dept"]
    assert len(digest.days) == 7 and digest.days[-1].day.isoformat() == "2025-05-11"
    html = format_digest(digest, "en")
    assert "Strikes &lt;b&gt;continue&lt;/b&gt;" in html
    assert "Tension index" in html and "State Dept" in html


def test_a_day_without_conflict_statements_is_a_quiet_day_not_silence():
    digest = summarise([_row(2, "neutral", 0.0)], {}, END, "UTC")
    assert digest.quiet
    assert "Quiet day" in format_digest(digest, "en")
    assert "Giornata tranquilla" in format_digest(digest, "it")


def test_chart_is_a_png():
    digest = summarise([_row(1, "escalation", 0.9)], {}, END, "Europe/Rome")
    assert render_chart(digest).startswith(b"\x89PNG")
