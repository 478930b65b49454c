"""`ladderwatch demo` end to end: offline, sample feeds through the real stages."""

from __future__ import annotations

import socket

from bot.cli import main

ITALIAN_ORIGINAL = "Accogliamo con favore l'annuncio del cessate il fuoco tra India e Pakistan."
ITALIAN_ENGLISH = "We welcome the announcement of the ceasefire between India and Pakistan."


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_prints_alerts_of_both_labels_a_digest_and_writes_a_chart(
    ladderwatch_env, libretranslate_server, tmp_path, capsys
):
    libretranslate_server.translations[
        "Cessate il fuoco, un passo importante\n" + ITALIAN_ORIGINAL + " Ora è il momento del negoziato."
    ] = ITALIAN_ENGLISH
    ladderwatch_env.set(LADDERWATCH_TRANSLATOR="libre", LIBRETRANSLATE_URL=libretranslate_server.url)
    chart = tmp_path / "digest.png"
    assert main(["demo", "--chart", str(chart)]) == 0
    out = capsys.readouterr().out
    assert "ESCALATION ·" in out and "DE-ESCALATION ·" in out
    assert "Antonio Tajani" in out and "cessate il fuoco" in out
    assert ITALIAN_ENGLISH in out
    assert "Ladderwatch digest" in out and "Tension index" in out
    assert "Round 1" in out and "Round 2" in out
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert libretranslate_server.requests, "Italian statements went through the translator"


def test_demo_without_a_reachable_translator_says_so_and_carries_on(ladderwatch_env, tmp_path, capsys):
    ladderwatch_env.set(LADDERWATCH_TRANSLATOR="libre", LIBRETRANSLATE_URL=f"http://127.0.0.1:{_closed_port()}")
    chart = tmp_path / "digest.png"
    assert main(["demo", "--chart", str(chart)]) == 0
    out = capsys.readouterr().out
    assert "unavailable" in out
    assert "No translation into English is available right now" in out
    assert "DE-ESCALATION ·" in out and chart.exists()
