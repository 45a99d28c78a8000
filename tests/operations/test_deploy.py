"""The shipped deployment: the compose file parses and runs the desk's real commands, the
Dockerfile installs from the lock file, and the systemd units pass `systemd-analyze verify`
(when the machine has it). Docker itself is not run here."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tierdesk.cli.main import parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
TIERDESK_SERVICES = {"migrate", "web", "scheduler", "worker", "mail"}


def _compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_the_compose_file_runs_every_component_once_migrated() -> None:
    services = _compose()["services"]
    assert set(services) == TIERDESK_SERVICES | {"postgres", "redis"}
    for name in TIERDESK_SERVICES:
        service = services[name]
        args = parser().parse_args(service["command"])  # a real command with real options
        assert args.handler
        env = service["environment"]
        assert env["TIERDESK_DATABASE_URL"].startswith("postgres://")
        assert env["TIERDESK_BROKER_URL"] == "redis://redis:6379/0"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        if name != "migrate":
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["migrate"]
    assert services["scheduler"]["deploy"]["replicas"] == 1  # one beat, never two
    assert "--no-scheduler" in services["web"]["command"]
    assert "--hostname" in services["worker"]["command"]
    assert "/health/ready" in " ".join(services["web"]["healthcheck"]["test"])


def test_every_setting_the_deployment_uses_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    used = set(re.findall(r"TIERDESK_[A-Z_]+", (DEPLOY / "docker-compose.yml").read_text()))
    used |= set(re.findall(r"TIERDESK_[A-Z_]+", (DEPLOY / "tierdesk.env.example").read_text()))
    used -= {"TIERDESK_HOST", "TIERDESK_WEB_PORT", "TIERDESK_MAIL_PORT"}  # compose's own
    assert used, "no settings found"
    assert sorted(v for v in used if v not in readme) == []


def test_the_image_installs_exactly_the_lock_file() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "COPY pyproject.toml uv.lock" in dockerfile
    assert "uv sync --frozen" in dockerfile
    pinned = re.search(r"^UV_VERSION := (\S+)", (ROOT / "Makefile").read_text(), re.M)
    assert pinned and f"uv=={pinned.group(1)}" in dockerfile


def _units() -> list[Path]:
    return sorted((DEPLOY / "systemd").iterdir())


def test_each_unit_runs_a_real_command() -> None:
    for unit in _units():
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                argv = shlex.split(line.removeprefix("ExecStart="))
                assert argv[0] == "/opt/tierdesk/.venv/bin/tierdesk"
                args = [a.replace("%i@%H", "1@host") for a in argv[1:]]
                assert parser().parse_args(args).handler


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    # Verified as installed: the paths pointed at this checkout, the service user at root.
    tierdesk = shutil.which("tierdesk") or str(ROOT / ".venv" / "bin" / "tierdesk")
    for unit in _units():
        text = (
            unit.read_text()
            .replace("/opt/tierdesk/.venv/bin/tierdesk", tierdesk)
            .replace("/etc/tierdesk/tierdesk.env", str(DEPLOY / "tierdesk.env.example"))
            .replace("User=tierdesk", "User=root")
            .replace("Group=tierdesk", "Group=root")
        )
        (tmp_path / unit.name).write_text(text)
    worker = tmp_path / "tierdesk-worker@.service"
    shutil.copy(worker, tmp_path / "tierdesk-worker@1.service")
    names = [p.name for p in sorted(tmp_path.iterdir()) if p.name != worker.name]
    done = subprocess.run(
        ["systemd-analyze", "verify", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tierdesk" not in done.stderr, done.stderr  # no complaint about our units
