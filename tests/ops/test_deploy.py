"""Deployment files, checked by parsing them (images cannot be built here): the Dockerfile,
compose.yaml, Procfile, LICENSE and the runtime-only install."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from bot.cli import build_parser
from bot.model import SourceKind, SourceSpec
from bot.reader.sources import resolve_source
from bot.settings import load_settings
from tests.ops.conftest import free_port, make_settings

ROOT = Path(__file__).parent.parent.parent


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and continuation lines joined."""
    joined = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def args_of(instruction: str) -> list[str]:
    return [arguments for name, arguments in dockerfile() if name == instruction]


def docker_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for arguments in args_of("ENV"):
        for pair in shlex.split(arguments):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def interpolate(value: str, shell: dict[str, str] | None = None) -> str:
    """Compose's ${VAR:-default} and ${VAR} with an empty (or given) shell environment."""
    shell = shell or {}

    def one(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(3) or ""
        return shell.get(name) or default

    return re.sub(r"\$\{(\w+)(:-([^}]*))?\}", one, value)


def service_env(service: str, **shell: str) -> dict[str, str]:
    environment = compose()["services"][service]["environment"]
    return {key: interpolate(str(value), shell) for key, value in environment.items()}


# --- Dockerfile ------------------------------------------------------------------------------


def test_the_image_is_slim_python_and_runs_the_bot_as_a_non_root_user():
    (base,) = args_of("FROM")
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", base), base
    users = args_of("USER")
    assert users and users[-1] not in ("root", "0")
    assert any("useradd" in run and users[-1] in run for run in args_of("RUN"))
    names = [name for name, _ in dockerfile()]
    assert names.index("USER") < names.index("ENTRYPOINT") and names.index("USER") < names.index("CMD")
    assert json.loads(args_of("ENTRYPOINT")[0]) == ["ladderwatch"]
    assert json.loads(args_of("CMD")[0]) == ["run"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["ladderwatch"] == "bot.cli:main"


def test_data_and_config_are_volumes_and_the_settings_point_at_them():
    volumes = json.loads(args_of("VOLUME")[0])
    assert set(volumes) == {"/app/data", "/app/config"}
    env = docker_env()
    assert env["DATABASE_URL"] == "sqlite:////app/data/ladderwatch.sqlite3"
    assert env["LADDERWATCH_CONFIG"] == "/app/config"
    settings = load_settings(env, env_file=None)
    assert settings.http_host == "0.0.0.0" and settings.http_port == int(args_of("EXPOSE")[0])
    assert settings.watchlist_path == Path("/app/config/watchlist.yaml")


def test_what_the_image_copies_exists_and_is_not_ignored():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"}
    for arguments in args_of("COPY"):
        sources = [part for part in arguments.split() if not part.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), source
            assert source.split("/")[0] not in ignored, source
    assert ".env" in ignored and "tests" in ignored and ".git" in ignored
    installs = [run for run in args_of("RUN") if "pip install" in run]
    extras = re.search(r'"\.\[([\w,]+)\]"', installs[0]).group(1).split(",")
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(extras) <= set(declared) and "dev" not in extras


def test_the_health_check_command_passes_on_a_live_server_and_fails_without_one(tmp_path):
    from bot.health import HealthServer
    from bot.storage.db import open_database

    (check,) = args_of("HEALTHCHECK")
    assert "--interval=" in check and "--timeout=" in check
    command = json.loads(check.split("CMD", 1)[1].strip())
    assert command[0] == "python" and "/healthz" in command[-1]
    port = free_port()
    settings = make_settings(tmp_path, LADDERWATCH_HTTP_PORT=str(port))
    env = {**os.environ, "LADDERWATCH_HTTP_PORT": str(port)}

    def probe() -> int:
        return subprocess.run(command, env=env, capture_output=True, timeout=60).returncode

    assert probe() != 0  # nothing listening: unhealthy

    import asyncio

    async def with_server() -> int:
        db = open_database(settings.database_url)
        server = HealthServer(db, settings)
        await server.start()
        try:
            return await asyncio.to_thread(probe)
        finally:
            await server.stop()
            db.close()

    assert asyncio.run(with_server()) == 0


# --- compose.yaml ----------------------------------------------------------------------------


def test_compose_runs_migrations_as_an_explicit_step_before_the_bot():
    services = compose()["services"]
    parser = build_parser()
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert parser.parse_args(services["migrate"]["command"]).db_command == "upgrade"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    assert services["bot"]["command"] == ["run"] and parser.parse_args(["run"]).webhook is None
    assert services["bot"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["worker"]["profiles"] == ["workers"]  # a slot, never started by default


def test_compose_bot_publishes_healthz_on_loopback_with_its_volumes():
    services, declared = compose()["services"], compose()["volumes"]
    bot = services["bot"]
    env = service_env("bot")
    settings = load_settings(env, env_file=None)
    assert bot["ports"] == [f"127.0.0.1:{settings.http_port}:{settings.http_port}"]
    assert settings.http_host == "0.0.0.0"
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in bot["volumes"]}
    assert mounts["/app/config"] == "./config" and bot["volumes"][0].endswith(":ro")
    assert mounts["/app/data"] in declared
    assert (ROOT / "config" / "watchlist.yaml").is_file()


def test_compose_wires_postgres_and_libretranslate_into_the_settings():
    services = compose()["services"]
    settings = load_settings(service_env("bot"), env_file=None)
    postgres = {k: interpolate(str(v)) for k, v in services["postgres"]["environment"].items()}
    assert settings.database_url == (
        f"postgresql+psycopg://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{postgres['POSTGRES_DB']}"
    )
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert settings.translators == ("libre",) and settings.libretranslate_url == "http://libretranslate:5000"
    assert services["libretranslate"]["image"].startswith("libretranslate/libretranslate")
    assert {"en", "it", "ur", "hi"} <= set(services["libretranslate"]["environment"]["LT_LOAD_ONLY"].split(","))
    assert settings.x_bridge is None  # unset: X sources are reported as needing the bridge


def test_compose_rsshub_is_optional_and_its_documented_template_resolves_x_handles():
    services = compose()["services"]
    assert services["rsshub"]["profiles"] == ["x"]
    assert "TWITTER_AUTH_TOKEN" in services["rsshub"]["environment"]
    template = re.search(r"LADDERWATCH_X_BRIDGE=(\S+)", (ROOT / "compose.yaml").read_text()).group(1)
    settings = load_settings(service_env("bot", LADDERWATCH_X_BRIDGE=template), env_file=None)
    assert resolve_source(SourceSpec(SourceKind.X, "SecRubio"), settings).url == (
        "http://rsshub:1200/twitter/user/SecRubio"
    )


# --- Procfile, LICENSE, install --------------------------------------------------------------


def test_procfile_migrates_on_release_and_runs_the_bot():
    processes = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert processes["release"] == "ladderwatch db upgrade" and processes["bot"] == "ladderwatch run"
    for command in processes.values():
        build_parser().parse_args(shlex.split(command)[1:])


def test_the_license_file_is_mit_as_pyproject_says():
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == {"text": "MIT"}
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text


def test_the_runtime_install_has_no_dev_tools_and_declares_what_the_code_imports():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"])
    for tool in ("pytest", "ruff", "matplotlib"):
        assert tool not in runtime
    for needed in ("requests", "prometheus-client", "webhooks"):  # webhooks: tornado for the HTTP server
        assert needed in runtime
    assert any("matplotlib" in d for d in project["optional-dependencies"]["chart"])
    assert any("matplotlib" in d for d in project["optional-dependencies"]["dev"])  # tests draw the PNG
    names = [re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower() for d in project["dependencies"]]
    assert len(names) == len(set(names)), names  # each once: two ranges for one package is a merge slip


def test_the_demo_runs_without_the_chart_extra(tmp_path):
    script = (
        "import sys; sys.modules['matplotlib'] = None  # as if the chart extra were not installed\n"
        "from bot.cli import main\n"
        f"sys.exit(main(['demo', '--chart', {str(tmp_path / 'chart.png')!r}]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LADDERWATCH_", "TELEGRAM_", "LIBRE"))}
    env.update(LADDERWATCH_TRANSLATOR="none", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "Ladderwatch digest" in result.stdout and "Tension, last 7 days:" in result.stdout
    assert "pip install 'ladderwatch[chart]'" in result.stdout
    assert not (tmp_path / "chart.png").exists()
