"""Fault tests start real desk processes, kill them and check what was kept. Helpers: start a
`tierdesk` process on the test database, find its children, wait for a condition with a
deadline (waiting here is for other processes, never for a clock), and stop whatever is left."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.processes import free_port, until

__all__ = ["free_port", "until"]

Processes = list[subprocess.Popen[bytes]]


def shared_database_url() -> str:
    """The test database, for processes started by the test (data committed with
    django_db(transaction=True) is what they see)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def desk_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tierdesk.config.settings",
        "TIERDESK_DATABASE_URL": database_url or shared_database_url(),
        "TIERDESK_DATA_DIR": str(data_dir),
        "TIERDESK_PROFILE": "demo",
        # Faults make senders resend: never throttle the test's one sender.
        "TIERDESK_MAIL_THROTTLE_COUNT": "100000",
        **extra,
    }
    for name in ("TIERDESK_TEST_DATABASE_URL", "TIERDESK_BROKER_URL"):
        if name not in extra:
            env.pop(name, None)
    return env


def children(pid: int) -> list[int]:
    """The live (not zombie) child processes of `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def state(pid: int) -> str | None:
    """The process state letter (R, S, Z...), or None when it is gone."""
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split() or [None])[0]
    except OSError:
        return None


@pytest.fixture
def processes() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """start(env, *args, log=path): a `tierdesk` process, killed with its children at the end."""
    started: Processes = []

    def start(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "tierdesk", *args],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        for pid in children(process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
