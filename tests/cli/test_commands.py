"""The command line tells the user what it does (issue 10, items 7 and 8): help, version,
progress for `poll`, and each failure once — the X-bridge advice once, not per source."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from importlib import metadata

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.storage.db import open_database
from bot.storage.tables import SourceRow

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>MOFA</title>
<item><title>Statement on the ceasefire</title><link>https://mofa.example/1</link><guid>s-1</guid>
<description>We call on both sides to exercise restraint and return to dialogue.</description></item>
</channel></rss>"""

WATCHLIST = """accounts:
  - id: mofa
    name: Ministry
    sources:
      - rss: {good}
      - x: MinistryOnX
  - id: minister
    name: Minister
    sources:
      - x: MinisterOnX
  - id: broken
    name: Broken
    sources:
      - rss: {bad}
"""


@pytest.fixture
def configured(ladderwatch_env, feed_server):
    feed_server.set("/good.xml", RSS)
    feed_server.set("/bad.xml", b"oops", status=500, content_type="text/plain")
    urls = {"good": feed_server.url("/good.xml"), "bad": feed_server.url("/bad.xml")}
    ladderwatch_env.write_watchlist(WATCHLIST.format(**urls))
    return ladderwatch_env


def test_bare_ladderwatch_prints_help_and_exits_zero(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ladderwatch") and "demo" in out and "poll" in out


def test_version_prints_the_installed_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"ladderwatch {metadata.version('ladderwatch')}"


def test_poll_once_prints_each_failure_once_and_the_bridge_advice_once(configured, capsys):
    assert main(["poll", "--once"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("de-escalation\t")
    err = captured.err
    assert err.count("source failed:") == 1 and err.count("HTTP 500") == 1, err
    assert err.count("read through an RSS bridge") == 1
    assert "1 of 3 accounts have only X sources and LADDERWATCH_X_BRIDGE is not set" in err
    assert "polling 2 sources (2 not read, see above) once…" in err
    assert "1 new statements from 1 sources; 1 sources failed; 2 not read (LADDERWATCH_X_BRIDGE is not set)" in err


def test_sources_shows_x_sources_as_unconfigured_with_the_advice_once(configured, capsys):
    assert main(["poll", "--once"]) == 0
    capsys.readouterr()
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "3 accounts, 4 sources: 1 ok, 1 failing, 2 unconfigured"
    assert "  - x MinistryOnX: unconfigured (LADDERWATCH_X_BRIDGE is not set; see above)" in out
    assert out.count("read through an RSS bridge") == 1
    assert "needs an RSS bridge" not in out  # the per-source error of the failed attempt is not repeated


def test_poll_without_once_says_what_it_does_and_reports_progress(configured):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LADDERWATCH_", "DATABASE_URL"))}
    env.update({k: os.environ[k] for k in ("DATABASE_URL", "LADDERWATCH_CONFIG", "LADDERWATCH_ALLOW_PRIVATE_URLS")})
    env.update(LADDERWATCH_TRANSLATOR="none", PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "poll"],
        cwd=configured.folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(300, process.kill)  # a hung command fails the test instead of hanging it
    watchdog.start()
    try:
        seen: list[str] = []
        for line in process.stderr:
            seen.append(line)
            if " UTC " in line and "new statements" in line:
                break
        process.terminate()
        out, _ = process.communicate()
    finally:
        watchdog.cancel()
    text = "".join(seen)
    assert "polling 2 sources (2 not read, see above): each every 300 s (LADDERWATCH_POLL_SECONDS)" in text
    assert "Ctrl-C stops" in text
    assert "1 new statements from 1 sources; 1 sources failed; 2 not read" in seen[-1]
    assert "next source due" in seen[-1]
    assert out.startswith("de-escalation\t")


def test_check_warns_once_how_many_accounts_have_no_usable_source(configured, capsys):
    configured.set(TELEGRAM_BOT_TOKEN="123:abc")
    assert main(["check", "--offline"]) == 0
    out = capsys.readouterr().out
    warnings = [line for line in out.splitlines() if line.startswith("WARN")]
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "WARN  sources    1 of 3 accounts have only X sources and LADDERWATCH_X_BRIDGE is not set: "
        "nothing is read from them (minister); 2 X sources in all are not read."
    )
    assert out.count("read through an RSS bridge") == 1
    configured.set(LADDERWATCH_X_BRIDGE="https://nitter.example/{handle}/rss")
    assert main(["check", "--offline"]) == 0
    assert "ok    sources    every source can be read with these settings" in capsys.readouterr().out


def test_offline_a_host_that_does_not_resolve_is_not_called_a_spelling_mistake(ladderwatch_env, monkeypatch, capsys):
    """An offline machine's resolver answers EAI_AGAIN; the resolver is stubbed so no query leaves."""

    def offline(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    ladderwatch_env.set(LADDERWATCH_ALLOW_PRIVATE_URLS="0")
    ladderwatch_env.write_watchlist(
        "accounts:\n  - id: state\n    name: State\n    sources: [{rss: 'https://www.state.gov/feed/'}]\n"
    )
    assert main(["poll", "--once"]) == 1
    err = capsys.readouterr().err
    assert "could not resolve 'www.state.gov' (no network or wrong host name" in err
    assert "spelling" not in err and err.count("could not resolve") == 1


def test_input_files_that_are_not_utf8_are_one_line_naming_file_and_offset(ladderwatch_env, capsys):
    ladderwatch_env.write_watchlist("accounts:\n  - id: a\n    name: A\n    sources: [{x: SomeHandle}]\n")
    latin1 = ladderwatch_env.folder / "in.jsonl"
    latin1.write_bytes(b'{"id": 1, "text": "Attaque \xe0 la fronti\xe8re"}\n')
    assert main(["classify", "--no-translate", "--jsonl", str(latin1)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"ladderwatch: {latin1}:1: not UTF-8 (byte 0xe0 at byte offset 27); save the file as UTF-8"
    )
    assert main(["watchlist", "import", str(latin1)]) == 2
    assert f"nothing imported: {latin1}:1: not UTF-8 (byte 0xe0" in capsys.readouterr().err


def test_check_reports_an_unreachable_translator_once_on_its_own_line(configured, capsys):
    with socket.socket() as probe:  # a port nothing listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    configured.set(LADDERWATCH_TRANSLATOR="libre", LIBRETRANSLATE_URL=f"http://127.0.0.1:{port}")
    assert main(["check"]) == 1
    captured = capsys.readouterr()
    [line] = [line for line in captured.out.splitlines() if line.startswith("FAIL  translator")]
    assert "libre" in line
    assert "translation by libre failed" not in captured.err  # not a second, log-formatted copy


def test_classify_says_once_that_the_translation_is_unavailable(configured, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    configured.set(LADDERWATCH_TRANSLATOR="libre", LIBRETRANSLATE_URL=f"http://127.0.0.1:{port}")
    assert main(["classify", "Risponderemo con fermezza a qualsiasi attacco."]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("translation unavailable: libre") == 1
    assert "translation by libre failed" not in captured.err


def test_check_reports_what_the_last_polls_could_not_read(configured, capsys):
    configured.set(TELEGRAM_BOT_TOKEN="123:abc")
    assert main(["check", "--offline"]) == 0
    assert "ok    polls      no poll yet" in capsys.readouterr().out
    assert main(["poll", "--once"]) == 0
    capsys.readouterr()
    assert main(["check", "--offline"]) == 0  # a WARN does not change the exit status
    [line] = [line for line in capsys.readouterr().out.splitlines() if "polls" in line]
    assert line.startswith("WARN  polls      1 of 2 sources failed at their last poll (e.g. broken rss:")
    assert "HTTP 500" in line and "`ladderwatch sources`" in line


def test_a_worker_never_leases_a_source_the_settings_cannot_read(configured, capsys):
    assert main(["worker", "--until-idle"]) == 0
    capsys.readouterr()
    db = open_database(configured.database_url)
    try:
        with db.session() as session:
            counts = select(SourceRow.kind, func.count(SourceRow.last_fetch_at)).group_by(SourceRow.kind)
            fetched = {kind: count for kind, count in session.execute(counts).all()}
    finally:
        db.close()
    assert fetched == {"rss": 2, "x": 0}  # both feeds polled; the X sources never tried without a bridge


def _logging_state() -> tuple[object, ...]:
    import logging

    root = logging.getLogger()
    quiet = ("httpx", "httpcore", "apscheduler", "alembic", "telegram.ext.Application", "tornado.access")
    return (
        list(root.handlers),
        [list(h.filters) for h in root.handlers],
        root.level,
        [logging.getLogger(name).level for name in quiet],
    )


@pytest.mark.parametrize(
    "argv", [["classify", "--no-translate", "We call for restraint."], ["demo", "--chart", "x.png"], ["sources"]]
)
def test_an_in_process_command_leaves_the_root_logger_as_it_found_it(ladderwatch_env, capsys, argv):
    """Before: `main` replaced the root logger's handlers with its own (RedactSecrets on stderr)
    and left them, so later tests in the process logged through them (caplog saw nothing)."""
    ladderwatch_env.write_watchlist("accounts: []\n")
    before = _logging_state()
    main(argv)
    assert _logging_state() == before
