"""What every benchmark here needs: a fresh PostgreSQL database and a line naming the machine."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import psycopg


def fresh_database(url: str) -> None:
    """Drop and create the database `url` names (on the same server's `postgres` database)."""
    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def machine(*extra: str) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    parts = [
        f"{os.cpu_count()} cores ({cpu})",
        f"Python {platform.python_version()}",
        *extra,
        f"{datetime.now(UTC):%Y-%m-%d}",
    ]
    return "machine: " + ", ".join(parts)


def demo_database(url: str, prefix: str, **extra: str) -> dict[str, str]:
    """A fresh database at `url`, migrated and loaded with the demo data by the `tierdesk`
    command; this process's environment then points at it (returned for subprocesses too)."""
    import subprocess
    import tempfile

    fresh_database(url)
    env = {
        **os.environ,
        "TIERDESK_DATABASE_URL": url,
        "TIERDESK_DATA_DIR": tempfile.mkdtemp(prefix=f"tierdesk-{prefix}-"),
        **extra,
    }
    tierdesk = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "tierdesk")
    for command in (["migrate"], ["demo"]):
        subprocess.run([tierdesk, *command], env=env, check=True, capture_output=True)
    os.environ.update(env)
    return env
