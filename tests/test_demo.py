"""`ladderwatch demo` end to end: offline, sample feeds through the real stages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.cli import main
from bot.demo import SAMPLES, SampleServer, bundled_translation

ITALIAN_ORIGINAL = "Accogliamo con favore l'annuncio del cessate il fuoco tra India e Pakistan."
ITALIAN_ENGLISH = "We welcome the announcement of the ceasefire between India and Pakistan."


def test_demo_prints_alerts_of_both_labels_a_digest_and_writes_a_chart(ladderwatch_env, tmp_path, capsys):
    chart = tmp_path / "digest.png"
    assert main(["demo", "--chart", str(chart)]) == 0
    out = capsys.readouterr().out
    assert "ESCALATION ·" in out and "DE-ESCALATION ·" in out
    assert "Antonio Tajani" in out and "cessate il fuoco" in out
    assert ITALIAN_ENGLISH in out
    # hand translations are not credited to a machine translator
    assert "Translation (English)" in out and "Machine translation" not in out
    assert "Ladderwatch digest" in out and "Tension index" in out
    assert "Round 1" in out and "Round 2" in out
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_demo_ignores_the_configured_translator(ladderwatch_env, libretranslate_server, tmp_path, capsys):
    ladderwatch_env.set(LADDERWATCH_TRANSLATOR="libre", LIBRETRANSLATE_URL=libretranslate_server.url)
    assert main(["demo", "--chart", str(tmp_path / "digest.png")]) == 0
    assert ITALIAN_ENGLISH in capsys.readouterr().out
    assert libretranslate_server.requests == []


def test_a_demo_sentence_without_a_bundled_translation_is_not_translated_at_all() -> None:
    sentences = {"Appello alla moderazione": "Appeal for restraint", "Ora è il momento.": "Now is the time."}
    assert bundled_translation("Appello alla moderazione\nOra è il momento.", sentences) == (
        "Appeal for restraint\nNow is the time."
    )
    assert bundled_translation("Appello alla moderazione\nUna frase nuova.", sentences) is None


def test_every_italian_sample_sentence_has_a_bundled_translation() -> None:
    server = SampleServer(datetime.now(UTC))
    server.httpd.server_close()
    for title, description in re.findall(
        r"<title>(.*?)</title>.*?<description>(.*?)</description>",
        (SAMPLES / "farnesina.xml").read_text(encoding="utf-8").split("<item>", 1)[1],
        re.DOTALL,
    ):
        assert bundled_translation(f"{title}\n{description}", server.sentences), title
