"""PostgreSQL restarted (an immediate shutdown: a crash, then recovery) while the mail listener
takes in messages. The test runs a PostgreSQL cluster of its own on a free port in a temporary
directory, never the shared server. Intake that meets the dead database answers 451 and the
sender offers the message again; a message stored before the crash and not decided stays
pending and its resend completes it. Every message ends in exactly one ticket."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import desk_env, free_port, until
from tests.faults.mail_sender import SENDER, Sender, message

pytestmark = pytest.mark.faults
PG_BIN = Path(os.environ.get("TIERDESK_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
MESSAGES = 45


class Cluster:
    """A throwaway PostgreSQL cluster; as root, its programs run as the `postgres` user."""

    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port = root, port
        self.data = root / "data"
        self.url = f"postgres://postgres@127.0.0.1:{port}/tierdesk"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *args], check=check, capture_output=True, text=True, timeout=120
        )

    def init(self) -> None:
        if os.geteuid() == 0:
            os.chown(self.root, pwd.getpwnam("postgres").pw_uid, -1)
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )

    def ctl(self, *args: str) -> None:
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            *args,
        )

    def start(self) -> None:
        # fsync off: the machine does not crash here, only the server. Commits stay
        # synchronous: an answered commit must survive the immediate shutdown.
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off"
        )
        self.ctl("-o", options, "start")

    def psql(self, sql: str, database: str = "tierdesk") -> str:
        return self._run(
            str(PG_BIN / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-At",
            "-c",
            sql,
        ).stdout.strip()

    def stop(self) -> None:
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", check=False
        )


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"initdb not found in {PG_BIN} (set TIERDESK_TEST_PG_BIN)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run initdb as")
    root = Path(tempfile.mkdtemp(prefix="tierdesk-pg-"))
    root.chmod(0o755)
    own = Cluster(root, free_port())
    try:
        own.init()
        own.start()
        own.psql("CREATE DATABASE tierdesk", database="postgres")
        yield own
    finally:
        own.stop()
        shutil.rmtree(root, ignore_errors=True)


def _prepare(env: dict[str, str], log: Path) -> None:
    """The desk's tables and one registered partner user, in the cluster's database."""
    with log.open("ab") as out:
        subprocess.run(
            [sys.executable, "-m", "tierdesk", "migrate"],
            env=env,
            check=True,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=300,
        )
        script = (
            "import django; django.setup()\n"
            "from tierdesk import clock\n"
            "from tierdesk.actions.people import create_organisation, create_user\n"
            "from tierdesk.domain.parties import OrganisationKind as Kind, Role\n"
            "now = clock.now()\n"
            "create_organisation(name='Demo Cloud', kind=Kind.PROVIDER, now=now)\n"
            "north = create_organisation(name='Northwind', kind=Kind.PARTNER, now=now)\n"
            f"create_user(username='ned', email='{SENDER}', organisation=north,\n"
            "    role=Role.PARTNER_USER, password='correct horse battery', now=now)\n"
        )
        subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            check=True,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=120,
        )


def test_every_message_makes_one_ticket_across_a_database_restart(
    cluster: Cluster, tmp_path: Path, processes: Callable[..., Any]
) -> None:
    env = desk_env(tmp_path, cluster.url)
    log = tmp_path / "listener.log"
    _prepare(env, tmp_path / "prepare.log")
    port = free_port()
    listener = processes(env, "mail", "serve", "--port", str(port), "--workers", "1", log=log)
    until(lambda: "Tierdesk mail intake" in log.read_text(), 60, "the listener")

    sender = Sender(port, MESSAGES)
    thread = sender.start(timeout=240)
    until(lambda: sender.acknowledged() >= MESSAGES // 3, 120, "deliveries", step=0.01)
    # Restart while a message is stored and undecided, if one is seen within a few seconds.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if (
                cluster.psql(
                    "SELECT count(*) FROM tierdesk_inboundmessage WHERE outcome = 'pending'"
                )
                != "0"
            ):
                break
        except subprocess.CalledProcessError:
            break
    cluster.ctl("-m", "immediate", "stop")
    restarted_after = sender.acknowledged()
    cluster.start()
    thread.join(timeout=240)
    assert sender.done.is_set(), "the sender did not finish"
    assert listener.poll() is None  # the listener lived through it and reconnected
    listener.send_signal(signal.SIGTERM)
    listener.wait(timeout=30)

    assert sender.acknowledged() == MESSAGES
    assert restarted_after < MESSAGES  # the restart fell in the middle of the deliveries
    rows = cluster.psql(
        "SELECT subject, count(*) FROM tierdesk_ticket GROUP BY subject ORDER BY subject"
    ).splitlines()
    counts = {line.rsplit("|", 1)[0]: int(line.rsplit("|", 1)[1]) for line in rows}
    expected = {message(n)[0] for n in range(MESSAGES)}
    missing = sorted(expected - set(counts))
    assert not missing, f"accepted and lost: {missing}; answers: {sender.answers}"
    assert {s: c for s, c in counts.items() if c > 1} == {}
    assert set(counts) == expected
    outcomes = cluster.psql(
        "SELECT outcome, count(*) FROM tierdesk_inboundmessage GROUP BY outcome"
    ).splitlines()
    assert outcomes == [f"ticket|{MESSAGES}"]
    print(f"restart after {restarted_after} answers, resends {sender.retries}")
