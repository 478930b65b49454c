"""OPML export/import: our own file round-trips; any reader's OPML becomes rss accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.model import Account, SourceKind, SourceSpec
from bot.opml import export_opml, parse_opml, slugify
from bot.settings import load_settings
from bot.watchlist import load_watchlist

SHIPPED = Path(__file__).parents[1] / "config" / "watchlist.yaml"
SETTINGS = load_settings(
    {"LADDERWATCH_X_BRIDGE": "https://nitter.example.org/{handle}/rss"}, env_file=None
)

TAJANI = Account(
    "tajani",
    "Antonio Tajani",
    "Foreign Minister of Italy",
    "IT",
    ("it", "en"),
    (
        SourceSpec(SourceKind.X, "Antonio_Tajani"),
        SourceSpec(SourceKind.RSS, "https://www.example.it/feed/?lang=it&type=news"),
        SourceSpec(SourceKind.TELEGRAM, "farnesina_test"),
        SourceSpec(SourceKind.MASTODON, "@EEAS@social.network.europa.eu"),
        SourceSpec(SourceKind.BLUESKY, "ministry.bsky.social"),
    ),
)


def test_export_round_trips_through_import() -> None:
    assert parse_opml(export_opml([TAJANI], SETTINGS)) == [TAJANI]


def test_shipped_watchlist_round_trips_even_without_an_x_bridge() -> None:
    accounts = load_watchlist(SHIPPED)
    assert parse_opml(export_opml(accounts, load_settings({}, env_file=None))) == accounts


def test_export_gives_feed_readers_resolved_feed_urls() -> None:
    text = export_opml([TAJANI], SETTINGS)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml')
    assert 'version="2.0"' in text
    assert 'xmlUrl="https://nitter.example.org/Antonio_Tajani/rss"' in text
    assert 'xmlUrl="https://social.network.europa.eu/@EEAS.rss"' in text
    assert 'xmlUrl="https://bsky.app/profile/ministry.bsky.social/rss"' in text
    assert 'htmlUrl="https://t.me/farnesina_test"' in text
    assert "t.me/s/" not in text  # a web page is not offered to readers as a feed


PLAIN = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="Diplomacy">
      <outline type="rss" text="State Dept – Press Releases" xmlUrl="https://www.state.gov/rss-feed/press-releases/feed/"/>
      <outline type="rss" title="UN Press" text="ignored" xmlUrl="https://press.un.org/en/rss.xml"/>
      <outline type="rss" text="State Dept – Press Releases" xmlUrl="https://www.state.gov/rss-feed/south-and-central-asia/feed/"/>
      <outline type="rss" text="Dup" xmlUrl="https://press.un.org/en/rss.xml"/>
    </outline>
    <outline text="Ministère des Affaires étrangères" xmlUrl="https://www.diplomatie.example/fr/rss.xml"/>
  </body>
</opml>
"""


def test_plain_opml_from_a_feed_reader_becomes_rss_accounts() -> None:
    accounts = parse_opml(PLAIN)
    assert [(a.id, a.name, a.sources[0].handle) for a in accounts] == [
        (
            "state-dept-press-releases",
            "State Dept – Press Releases",
            "https://www.state.gov/rss-feed/press-releases/feed/",
        ),
        ("un-press", "UN Press", "https://press.un.org/en/rss.xml"),
        (
            "state-dept-press-releases-2",
            "State Dept – Press Releases",
            "https://www.state.gov/rss-feed/south-and-central-asia/feed/",
        ),
        (
            "ministere-des-affaires-etrangeres",
            "Ministère des Affaires étrangères",
            "https://www.diplomatie.example/fr/rss.xml",
        ),
    ]
    assert all(a.sources[0].kind is SourceKind.RSS for a in accounts)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x "y">]><opml><body/></opml>',
            "DOCTYPE or ENTITY",
        ),
        ("<opml><body><outline", "not valid XML"),
        ("<rss><channel/></rss>", "not an OPML document"),
        (
            '<opml version="2.0"><head/><body><outline text="empty"/></body></opml>',
            "no feeds found",
        ),
        (
            '<opml><body><outline text="x" xmlUrl="ftp://x.example/f"/></body></opml>',
            "must be an http",
        ),
        (
            '<opml xmlns:lw="https://ladderwatch.invalid/opml/1"><body>'
            '<outline text="A" lw:id="Bad Id"><outline lw:kind="x" lw:handle="a"/></outline>'
            "</body></opml>",
            "lowercase slug",
        ),
        (
            '<opml xmlns:lw="https://ladderwatch.invalid/opml/1"><body>'
            '<outline text="A" lw:id="a"><outline lw:kind="fax" lw:handle="a"/></outline>'
            "</body></opml>",
            "unknown source kind",
        ),
    ],
)
def test_bad_opml_is_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_opml(text)


def test_billion_laughs_is_refused_before_parsing() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">'
            for i in range(1, 9)
        )
        + ']><opml><body><outline xmlUrl="https://a.example/&lol8;"/></body></opml>'
    )
    with pytest.raises(ValueError, match="refused"):
        parse_opml(bomb)


def test_slugify_makes_valid_ids() -> None:
    assert slugify("Farnesina – Comunicati") == "farnesina-comunicati"
    assert slugify("外交部") == "feed"


def test_plain_feed_ids_avoid_reserved_ones() -> None:
    accounts = parse_opml(PLAIN, reserved_ids={"un-press"})
    assert accounts[1].id == "un-press-2"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LADDERWATCH_CONFIG", str(SHIPPED.parent))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'lw.sqlite3'}")
    monkeypatch.delenv("LADDERWATCH_X_BRIDGE", raising=False)
    return tmp_path


def test_cli_export_opml_and_yaml_give_back_the_watchlist(cli_env: Path, capsys) -> None:
    from bot.cli import main
    from bot.watchlist import parse_watchlist

    shipped = sorted(load_watchlist(SHIPPED), key=lambda a: a.id)
    assert main(["watchlist", "export", "--format", "opml", "-o", "w.opml"]) == 0
    exported = parse_opml((cli_env / "w.opml").read_text(encoding="utf-8"))
    assert {a.id: set(a.sources) for a in exported} == {a.id: set(a.sources) for a in shipped}
    capsys.readouterr()
    assert main(["watchlist", "export", "--format", "yaml"]) == 0
    assert [a.id for a in parse_watchlist(capsys.readouterr().out)] == [a.id for a in shipped]


def test_cli_import_adds_new_feeds_once_and_refuses_bad_files(cli_env: Path, capsys) -> None:
    from bot.cli import main

    (cli_env / "reader.opml").write_text(PLAIN, encoding="utf-8")
    assert main(["watchlist", "import", "reader.opml"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [  # the shipped watchlist already has the state.gov and UN feeds
        "skipped state-dept-press-releases: already watched as state-dept",
        "skipped un-press: already watched as guterres",
        "skipped state-dept-press-releases-2: already watched as state-dept",
        "added ministere-des-affaires-etrangeres: Ministère des Affaires étrangères "
        "(rss https://www.diplomatie.example/fr/rss.xml)",
    ]

    assert main(["watchlist", "import", "reader.opml"]) == 0
    assert "added" not in capsys.readouterr().out

    (cli_env / "bad.opml").write_text("<!DOCTYPE x><opml/>", encoding="utf-8")
    assert main(["watchlist", "import", "bad.opml"]) == 2
    assert "nothing imported" in capsys.readouterr().err
