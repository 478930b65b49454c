"""Alert HTML: every piece of feed text escaped, long originals shortened, translations noted."""

from __future__ import annotations

from dataclasses import replace

from bot.model import Translation
from bot.render.alert import format_alert
from bot.storage.outbox import AlertContent
from tests.tg.botapi_double import check_html
from tests.tg.factories import NOW

CONTENT = AlertContent(
    statement_id=1,
    account_name="Antonio <Tajani>",
    account_role="Foreign Minister & Deputy PM",
    text="L'Italia invita alla moderazione.",
    title="",
    url="https://esteri.it/a?x=1&y=2",
    lang="it",
    published_at=NOW,
    published_estimated=False,
    is_repost=False,
    label="de-escalation",
    score=-0.64,
    mixed=True,
    cues=("invita alla moderazione",),
    translation_en=None,
)


def test_alert_shows_label_strength_account_cues_link_and_local_time():
    html = format_alert(CONTENT, "en", "Europe/Rome")
    check_html(html)
    assert html.startswith("🕊 <b>DE-ESCALATION</b> · strength 64% · mixed signals")
    assert "Antonio &lt;Tajani&gt;" in html and "Foreign Minister &amp; Deputy PM" in html
    assert "“invita alla moderazione”" in html
    assert '<a href="https://esteri.it/a?x=1&amp;y=2">source</a>' in html
    assert "2025-05-10 14:00 Europe/Rome" in html


def test_translation_is_shown_or_its_absence_explained():
    translated = format_alert(CONTENT, "en", "UTC", Translation("Italy calls for restraint.", "it", "en", "libre"))
    assert "Translation (English):" in translated and "Italy calls for restraint." in translated
    missing = format_alert(CONTENT, "en", "UTC", Translation(None, "it", "en", None, "offline"))
    assert "No translation into English is available" in missing and "L'Italia" in missing


def test_long_originals_are_shortened_at_a_word():
    html = format_alert(replace(CONTENT, text="parola " * 1000), "it", "UTC")
    check_html(html)
    assert len(html) < 1600 and "(abbreviato)" in html and "parola…" in html
