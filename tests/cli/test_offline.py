"""Offline commands never try the network (issue 10, item 6).

Every HTTP(S) proxy variable points at a loopback proxy that records any request and
answers none: deep-translator (through `requests`) would go there first. The control test
shows that a command that *does* translate is caught by it, so an empty record means the
others did not try.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.cli import main
from tests.support.recording_proxy import RecordingProxy

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture
def proxy(ladderwatch_env, monkeypatch) -> Iterator[RecordingProxy]:
    """Google as the translator (the default), every proxy variable at the recorder, no exceptions."""
    with RecordingProxy() as recorder:
        for name in PROXY_VARIABLES:
            monkeypatch.setenv(name, recorder.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        ladderwatch_env.set(LADDERWATCH_TRANSLATOR="google")
        yield recorder


ITALIAN = "Facciamo appello a entrambe le parti affinché esercitino la massima moderazione."


def test_control_classify_with_translation_is_caught_by_the_recording_proxy(proxy, capsys):
    assert main(["classify", ITALIAN]) == 0
    assert any("translate.google" in attempt for attempt in proxy.attempts), proxy.attempts
    assert "translation unavailable" in capsys.readouterr().out


def test_classify_no_translate_never_tries_the_network(proxy, capsys):
    assert main(["classify", "--no-translate", ITALIAN]) == 0
    out = capsys.readouterr().out
    assert out.startswith("DE-ESCALATION") and "translation" not in out
    assert proxy.attempts == []


def test_check_offline_never_tries_the_network(proxy, ladderwatch_env, capsys):
    ladderwatch_env.write_watchlist("accounts:\n  - id: a\n    name: A\n    sources: [{x: SomeHandle}]\n")
    ladderwatch_env.set(TELEGRAM_BOT_TOKEN="123:abc")
    assert main(["check", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "translator" not in out and "token accepted" not in out
    assert proxy.attempts == []


def test_demo_never_tries_the_network_and_still_shows_translations(proxy, tmp_path, capsys):
    assert main(["demo", "--chart", str(tmp_path / "chart.png")]) == 0
    out = capsys.readouterr().out
    assert "We welcome the announcement of the ceasefire between India and Pakistan." in out
    assert "no network" in out
    assert proxy.attempts == []
