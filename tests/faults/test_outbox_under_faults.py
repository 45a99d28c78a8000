"""The outbox under faults, with real worker processes, a real SMTP sink and PostgreSQL: each
notification is delivered exactly once (counted by Message-ID at the sink) when the mail server
answers more slowly than the lease, and when a worker is killed (SIGKILL) holding claims, whose
rows another worker then sends within seconds.

Each worker is a process running the outbox job in a loop, as the in-process scheduler and the
Celery workers do. Waiting here is for the workers' results, polled with a deadline.
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from tests.conftest import Desk
from tests.processes import free_port, stop, until
from tierdesk.persistence.models import Notification

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="workers in other processes share the database: PostgreSQL",
)

# One outbox worker: the job as the scheduler runs it, every 0.2 s.
WORKER = """
import time
import django
django.setup()
from django.db import close_old_connections
from tierdesk import clock
from tierdesk.jobs.outbox import deliver
while True:
    close_old_connections()
    deliver(clock.now())
    time.sleep(0.2)
"""


class Sink:
    """An SMTP server that answers DATA after `delay` seconds and, while `stalled` is set, holds
    every conversation at MAIL FROM; it counts what it accepted by Message-ID."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.stalled = threading.Event()
        self.conversations = 0
        self.accepted: list[str] = []

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        self.conversations += 1
        while self.stalled.is_set():
            await asyncio.sleep(0.05)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        self.accepted.append(str(message_from_bytes(envelope.content)["Message-ID"]))
        return "250 OK"


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _environment(tmp_path: Path, smtp_port: int, **settings: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tierdesk.config.settings",
        "TIERDESK_DATABASE_URL": _database_url(),
        "TIERDESK_DATA_DIR": str(tmp_path),
        "TIERDESK_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "TIERDESK_PROFILE": "demo",
        **{f"TIERDESK_{k}": v for k, v in settings.items()},
    }
    env.pop("TIERDESK_TEST_DATABASE_URL", None)
    return env


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    stop(procs, timeout=10)


def _all_sent() -> bool:
    return not Notification.objects.exclude(status=Notification.SENT).exists()


def _each_once(sink: Sink) -> None:
    expected = set(Notification.objects.values_list("message_id", flat=True))
    counts = collections.Counter(sink.accepted)
    assert set(counts) == expected
    assert {m: n for m, n in counts.items() if n != 1} == {}
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_slower_than_the_lease_still_gets_each_notification_once(
    desk: Desk, tmp_path: Path
) -> None:
    for n in range(3):
        desk.open(subject=f"Mailbox quota not applied {n}")  # two notifications each
    assert Notification.objects.filter(status=Notification.PENDING).count() == 6
    sink = Sink(delay=4)  # every message answered 4 s after its data: beyond the 3 s lease
    port = free_port()
    server = Controller(sink, hostname="127.0.0.1", port=port)
    server.start()
    env = _environment(tmp_path, port, OUTBOX_LEASE_SECONDS="3", OUTBOX_BATCH="2")
    workers = [_worker(env, tmp_path / f"worker{i}.log") for i in (1, 2)]
    try:
        until(_all_sent, 90, "every notification to be sent")
    finally:
        _stop(workers)
        server.stop()
    _each_once(sink)


@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_claims_are_sent_by_another_within_seconds_each_once(
    desk: Desk, tmp_path: Path
) -> None:
    for n in range(5):
        desk.open(subject=f"Mailbox quota not applied {n}")
    total = Notification.objects.count()
    assert total == 10  # one claim's worth (OUTBOX_BATCH): the first worker takes them all
    sink = Sink()
    sink.stalled.set()  # the first worker's conversation hangs at MAIL FROM
    port = free_port()
    server = Controller(sink, hostname="127.0.0.1", port=port)
    server.start()
    env = _environment(tmp_path, port)  # the shipped lease and batch
    first = _worker(env, tmp_path / "worker1.log")
    others: list[subprocess.Popen[bytes]] = []
    try:
        until(lambda: sink.conversations >= 1, 60, "the first worker to start sending")
        claimed = Notification.objects.filter(status=Notification.SENDING).count()
        others = [_worker(env, tmp_path / f"worker{i}.log") for i in (2, 3)]  # idle: all claimed
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed = time.monotonic()
        sink.stalled.clear()
        until(_all_sent, 90, "the killed worker's claims to be sent by the others")
        recovered = time.monotonic() - killed
    finally:
        _stop([first, *others])
        server.stop()
    assert claimed == total, "the worker was killed holding nothing; the test proved nothing"
    assert sink.accepted.count(sink.accepted[0]) == 1
    _each_once(sink)
    assert len(sink.accepted) == total
    assert recovered < 60, f"the claims came back after {recovered:.0f} s"
