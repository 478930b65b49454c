"""`ladderwatch run` whose HTTP port cannot be opened (audit): the port taken by another
program, or an address that is not this machine's, is one line naming both settings and exit 2 —
not a tornado traceback."""

from __future__ import annotations

import socket

import pytest

from bot.cli import main

WATCHLIST = "accounts:\n  - id: mofa\n    name: Ministry\n    sources: [{rss: 'https://mofa.example/feed'}]\n"


@pytest.mark.parametrize("problem", ["port taken", "address not ours"])
def test_run_with_an_http_port_it_cannot_open_is_one_line(ladderwatch_env, api, capsys, problem):
    ladderwatch_env.write_watchlist(WATCHLIST)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        host = "127.0.0.1" if problem == "port taken" else "192.0.2.1"  # TEST-NET-1: no lookup, not on this machine
        ladderwatch_env.set(
            TELEGRAM_BOT_TOKEN=api.token,
            TELEGRAM_API_BASE_URL=api.url,
            LADDERWATCH_HTTP_PORT=str(port),
            LADDERWATCH_HTTP_HOST=host,
        )
        assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    [line] = [line for line in err.splitlines() if line.startswith("ladderwatch:")]
    assert f"LADDERWATCH_HTTP_PORT={port} on LADDERWATCH_HTTP_HOST={host}: cannot listen" in line
