"""Settings: defaults, one clear line per bad value, and every setting documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SETTINGS, SettingsError, load_settings

README = Path(__file__).parent.parent / "README.md"


def test_defaults_need_no_environment_at_all():
    settings = load_settings({}, env_file=None)
    assert settings.database_url == "sqlite:///data/ladderwatch.sqlite3"
    assert settings.translators == ("google",)
    assert settings.poll_seconds == 300
    assert settings.telegram_bridge == "https://t.me/s/{channel}"
    assert not settings.allow_private_urls and settings.http_port is None


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("LADDERWATCH_POLL_SECONDS", "soon", "LADDERWATCH_POLL_SECONDS"),
        ("LADDERWATCH_POLL_SECONDS", "0", "LADDERWATCH_POLL_SECONDS"),
        ("LADDERWATCH_TRANSLATOR", "google,babelfish", "LADDERWATCH_TRANSLATOR"),
        ("LADDERWATCH_TRANSLATOR", "libre", "LIBRETRANSLATE_URL"),
        ("LADDERWATCH_ADMINS", "12,alice", "LADDERWATCH_ADMINS"),
        ("LADDERWATCH_ALLOW_PRIVATE_URLS", "maybe", "LADDERWATCH_ALLOW_PRIVATE_URLS"),
        ("LADDERWATCH_X_BRIDGE", "https://nitter.example/rss", "LADDERWATCH_X_BRIDGE"),
        ("LADDERWATCH_HTTP_PORT", "99999", "LADDERWATCH_HTTP_PORT"),
        ("LADDERWATCH_HTTP_PORT", "８０８０", "LADDERWATCH_HTTP_PORT"),
        ("LADDERWATCH_POLL_SECONDS", "３００", "LADDERWATCH_POLL_SECONDS"),
        ("TELEGRAM_API_BASE_URL", "http://127.0.0.1:99999/bot", "TELEGRAM_API_BASE_URL"),
        ("LIBRETRANSLATE_URL", "http://[::1:5000/", "LIBRETRANSLATE_URL"),
        ("LADDERWATCH_TELEGRAM_BRIDGE", "https://tg.example/{channel}/{page}", "LADDERWATCH_TELEGRAM_BRIDGE"),
        ("LADDERWATCH_LOG_FORMAT", "xml", "LADDERWATCH_LOG_FORMAT"),
        ("DATABASE_URL", "ladderwatch.db", "DATABASE_URL"),
    ],
)
def test_a_bad_value_fails_with_one_line_naming_the_setting(name, value, named):
    with pytest.raises(SettingsError) as error:
        load_settings({name: value}, env_file=None)
    message = str(error.value)
    assert named in message and "\n" not in message


def test_env_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("LADDERWATCH_POLL_SECONDS=120\nLADDERWATCH_ADMINS=1,2\n")
    settings = load_settings({"LADDERWATCH_ADMINS": "7"}, env_file=env_file)
    assert settings.poll_seconds == 120
    assert settings.admins == frozenset({7})


def test_every_setting_is_documented_in_the_readme_and_env_example():
    readme = README.read_text(encoding="utf-8")
    example = (README.parent / "config" / ".env.example").read_text(encoding="utf-8")
    for spec in SETTINGS:
        assert f"`{spec.name}`" in readme, spec.name
        assert spec.name in example, spec.name


@pytest.mark.parametrize("token", ["abc", "123456:ÄÖÜ", "123:abc\ndef", " :x", "123:"])
def test_a_malformed_token_is_refused_by_run_and_by_check_offline(token, ladderwatch_env, capsys):
    from bot.cli import main

    settings = load_settings({"TELEGRAM_BOT_TOKEN": token}, env_file=None)
    with pytest.raises(SettingsError) as error:
        settings.require_token()
    assert "TELEGRAM_BOT_TOKEN is malformed" in str(error.value)

    ladderwatch_env.set(TELEGRAM_BOT_TOKEN=token)
    assert main(["check", "--offline"]) == 1
    assert "FAIL  token      TELEGRAM_BOT_TOKEN is malformed" in capsys.readouterr().out
    assert main(["run"]) == 2  # refused before any request to Telegram
    assert capsys.readouterr().err.startswith("ladderwatch: TELEGRAM_BOT_TOKEN is malformed")


def test_a_well_formed_token_is_accepted():
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123456789:AAtest-Token_42"}, env_file=None)
    assert settings.require_token() == "123456789:AAtest-Token_42"


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('LADDERWATCH_POLL_SECONDS="60', ".env:2: not a NAME=value line"),
        ("LADDERWATCH_POLL_SECONDS 60", ".env:2: not a NAME=value line"),
        ("LADDERWATCH_POLL_SECONDS", ".env:2: LADDERWATCH_POLL_SECONDS has no value"),
    ],
)
def test_a_dot_env_line_that_cannot_be_read_stops_start_up_naming_file_and_line(tmp_path, line, says):
    env_file = tmp_path / ".env"
    env_file.write_text(f"# settings\n{line}\nLADDERWATCH_ADMINS=1\n")
    with pytest.raises(SettingsError) as error:
        load_settings({}, env_file=env_file)
    assert says in str(error.value) and "\n" not in str(error.value)


def test_comments_blank_lines_and_unknown_bare_names_in_dot_env_are_fine(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# settings\n\nSOMETHING_ELSE\nexport LADDERWATCH_POLL_SECONDS=60  # a minute\n")
    assert load_settings({}, env_file=env_file).poll_seconds == 60
