"""Alert HTML: every piece of feed text escaped, long originals shortened, and what analysts
need: the kind of act, cues by side on mixed verdicts, source kind and language, who
translated, and an honest "not assessed"."""

from __future__ import annotations

from dataclasses import replace

from bot.model import Cue, Translation
from bot.render.alert import format_alert
from bot.storage.outbox import AlertContent
from tests.tg.botapi_double import check_html
from tests.tg.factories import NOW

CONTENT = AlertContent(
    statement_id=1,
    account_name="Antonio <Tajani>",
    account_role="Foreign Minister & Deputy PM",
    text="L'Italia invita alla moderazione, ma risponderà a ogni attacco.",
    title="",
    url="https://esteri.it/a?x=1&y=2",
    lang="it",
    published_at=NOW,
    published_estimated=False,
    is_repost=False,
    label="de-escalation",
    score=-0.64,
    mixed=True,
    cues=(
        Cue("invita alla moderazione", "it", -5.0, "appeal_restraint"),
        Cue("risponderà a ogni attacco", "it", 6.5, "conditional_threat"),
    ),
    translation_en=None,
    source_kind="x",
    source_where="@Antonio_Tajani",
)


def test_alert_shows_label_strength_act_account_cues_link_and_local_time():
    html = format_alert(CONTENT, "en", "Europe/Rome")
    check_html(html)
    assert html.startswith("🕊 <b>DE-ESCALATION</b> · strength 64% · call for restraint · mixed signals")
    assert "Antonio &lt;Tajani&gt;" in html and "Foreign Minister &amp; Deputy PM" in html
    assert '<a href="https://esteri.it/a?x=1&amp;y=2">source</a>' in html
    assert "2025-05-10 14:00 Europe/Rome" in html


def test_mixed_verdicts_split_cues_by_side_and_plain_ones_do_not():
    html = format_alert(CONTENT, "en", "UTC")
    assert "🔺 escalation cues: <i>“risponderà a ogni attacco”</i>" in html
    assert "🕊 de-escalation cues: <i>“invita alla moderazione”</i>" in html
    plain = format_alert(replace(CONTENT, mixed=False, cues=CONTENT.cues[:1]), "en", "UTC")
    assert "Cues: <i>“invita alla moderazione”</i>" in plain and "escalation cues" not in plain


def test_source_kind_and_language_are_named_in_the_chats_language():
    assert "<i>X (@Antonio_Tajani) · Italian</i>" in format_alert(CONTENT, "en", "UTC")
    site = replace(CONTENT, source_kind="rss", source_where="www.esteri.it")
    assert "<i>sito web (www.esteri.it) · italiano</i>" in format_alert(site, "it", "UTC")


def test_translation_names_its_machine_translator_or_explains_its_absence():
    translated = format_alert(CONTENT, "en", "UTC", Translation("Italy calls for restraint.", "it", "en", "libre"))
    assert "Machine translation into English by LibreTranslate:" in translated
    assert "Italy calls for restraint." in translated
    missing = format_alert(CONTENT, "en", "UTC", Translation(None, "it", "en", None, "offline"))
    assert "No translation into English is available" in missing and "L'Italia" in missing


def test_an_abstained_verdict_says_it_was_not_assessed_and_why():
    unread = replace(CONTENT, lang="ur", label="neutral", score=0.0, mixed=False, cues=(), abstained=True)
    html = format_alert(unread, "en", "UTC")
    check_html(html)
    assert html.startswith("❔ <b>NOT ASSESSED: no lexicon for Urdu and no translation</b>")
    assert "NEUTRAL" not in html and "strength" not in html


def test_long_originals_are_shortened_at_a_word():
    html = format_alert(replace(CONTENT, text="parola " * 1000), "it", "UTC")
    check_html(html)
    assert len(html) < 1700 and "(abbreviato)" in html and "parola…" in html
