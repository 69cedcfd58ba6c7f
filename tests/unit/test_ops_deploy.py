"""docker-compose.yml and the Dockerfile as an operator meets them (no Docker engine here:
the files are checked, `docker-compose config` runs when installed, as CI installs it)."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from chatkit_testing import REPO

COMPOSE = REPO / "docker-compose.yml"


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def chatkit_services() -> dict[str, dict[str, Any]]:
    return {name: service for name, service in compose()["services"].items()
            if service.get("image", "").startswith("chatkit-todo")}


def test_compose_needs_no_variable_to_be_read() -> None:
    # `${VAR:?}` makes every compose command (config, ps, logs, down) fail while VAR is unset.
    assert not re.search(r"\$\{[^}]*:?\?", COMPOSE.read_text())


def _compose_command() -> list[str] | None:
    """Debian's docker-compose (v1, what CI installs) or a docker CLI with the v2 plugin."""
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=30,
            check=False).returncode == 0:
        return ["docker", "compose"]
    return None


@pytest.mark.skipif(_compose_command() is None,
                    reason="no docker-compose here (CI installs Debian's)")
def test_docker_compose_config_accepts_the_file_with_nothing_set() -> None:
    env = {key: value for key, value in os.environ.items()
           if key not in ("CHATKIT_JWT_SECRET", "FLOWER_PASSWORD", "FLOWER_USER")}
    command = _compose_command() or []
    done = subprocess.run([*command, "-f", str(COMPOSE), "config", "-q"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_one_image_built_once_for_every_role() -> None:
    services = chatkit_services()
    assert set(services) >= {"config", "migrate", "api", "worker", "flower"}
    assert len({service["image"] for service in services.values()}) == 1
    built = [name for name, service in compose()["services"].items() if "build" in service]
    assert built == ["config"]


def test_the_api_is_healthy_when_ready_not_merely_alive() -> None:
    check = " ".join(chatkit_services()["api"]["healthcheck"]["test"])
    assert "/ready" in check and "/health'" not in check


def test_no_secret_on_a_command_line() -> None:
    for name, service in chatkit_services().items():
        command = " ".join(service.get("command", []))
        assert "basic-auth" not in command and "PASSWORD" not in command, name
    env = chatkit_services()["flower"]["environment"]
    assert "FLOWER_PASSWORD" in env["CHATKIT_FLOWER_BASIC_AUTH"]


def test_a_missing_secret_stops_the_stack_before_it_starts_with_one_message(
        tmp_path: Path) -> None:
    # The `config` service: what compose runs first with its environment (secrets unset).
    services = chatkit_services()
    config = services["config"]
    assert all("config" in service.get("depends_on", {}) or "migrate" in service.get(
        "depends_on", {}) for name, service in services.items() if name != "config")
    env = {key: (value.replace("${FLOWER_USER:-admin}", "admin")
                 .replace("${FLOWER_PASSWORD:-}", "") if isinstance(value, str) else str(value))
           for key, value in config["environment"].items()}
    env = {key: re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value) for key, value in env.items()}
    env.update(CHATKIT_DATA_DIR=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    command = config["command"]
    assert command[:2] == ["chatkit-todo", "check"]
    done = subprocess.run([sys.executable, "-m", "chatkit_todo.cli", *command[1:]],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 2
    assert "CHATKIT_JWT_SECRET" in done.stderr and "CHATKIT_FLOWER_BASIC_AUTH" in done.stderr
    assert "Traceback" not in done.stderr


def _ignored(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern.strip("/")) for pattern in patterns)


def test_the_image_gets_every_package() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    copied = {line.split()[1].rstrip("/") for line in dockerfile.splitlines()
              if line.startswith("COPY ")}
    ignored = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = [pattern.rstrip("*") for pattern in
                project["tool"]["setuptools"]["packages"]["find"]["include"]]
    present = [name for name in packages if (REPO / name / "__init__.py").exists()]
    assert present
    for name in present:
        assert "." in copied or name in copied, f"the Dockerfile never copies {name}/"
        assert not _ignored(name, ignored), f".dockerignore leaves out {name}/"
