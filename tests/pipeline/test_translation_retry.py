"""A failed translation never loses a statement: stored untranslated, classified, retried."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.storage.db import open_database
from bot.storage.tables import StatementRow

DATA = Path(__file__).parent.parent / "data" / "pipeline"
WATCHLIST = """accounts:
  - id: tajani
    name: Antonio Tajani
    country: IT
    languages: [it]
    sources:
      - rss: {url}
"""


def _italian_rows(database_url: str) -> dict[str, StatementRow]:
    db = open_database(database_url)
    with db.session() as session:
        return {row.url: row for row in session.scalars(select(StatementRow))}


# "libre,none": `none` at the end of a chain adds no translator; before, it also turned the
# retry off, so a statement whose translation failed was stored as if none had been asked for.
@pytest.mark.parametrize("chain", ["libre", "libre,none"])
def test_untranslated_statement_is_classified_on_the_original_and_translated_later(
    ladderwatch_env, feed_server, libretranslate_server, capsys, chain
):
    feed_server.set("/farnesina.xml", (DATA / "farnesina_it.xml").read_bytes())
    ladderwatch_env.write_watchlist(WATCHLIST.format(url=feed_server.url("/farnesina.xml")))
    ladderwatch_env.set(LADDERWATCH_TRANSLATOR=chain, LIBRETRANSLATE_URL=libretranslate_server.url)
    libretranslate_server.fail_next(10, status=503)

    assert main(["poll", "--once"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    first = _italian_rows(ladderwatch_env.database_url)["https://esteri.example/1"]
    assert first.translation_pending and first.translation_en is None
    assert first.label == "de-escalation"  # from the Italian cues alone

    libretranslate_server.fail_next(0)
    libretranslate_server.translations[f"{first.title}\n{first.text}"] = (
        "Tajani on India and Pakistan\nBoth sides are willing to de-escalate: Italy supports dialogue."
    )
    assert main(["poll", "--once"]) == 0  # nothing new, but pending translations are retried
    assert capsys.readouterr().out == ""
    retried = _italian_rows(ladderwatch_env.database_url)["https://esteri.example/1"]
    assert not retried.translation_pending
    assert retried.translation_en.startswith("Tajani on India and Pakistan")
    assert retried.label == "de-escalation"
