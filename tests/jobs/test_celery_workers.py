"""Real Celery beat and two real workers on Redis and the test database: 500 breaches that fall
due at the same moment are recorded and announced exactly once, even when a worker is killed
with SIGKILL in the middle of a sweep.

Runs when TIERDESK_TEST_REDIS_URL names a Redis (.ci/run sets it; the test fails if that Redis
cannot be reached). Waiting here is for the workers' results, polled with a deadline; no clock
is slept on: the tickets' deadlines are already in the past.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from tests.conftest import FORM, Desk
from tierdesk.actions import tickets as act
from tierdesk.persistence.models import AutomaticOutcome, Event, Notification, Ticket
from tierdesk.queries.audit import verify

REDIS = os.environ.get("TIERDESK_TEST_REDIS_URL")
pytestmark = [
    pytest.mark.skipif(not REDIS, reason="set TIERDESK_TEST_REDIS_URL to run real Celery workers"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="scale-out mode (Celery workers in other processes) runs on PostgreSQL",
    ),
]
TICKETS = 500


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tierdesk", *args],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_500_breaches_once_each_through_beat_and_two_workers(desk: Desk, tmp_path: Path) -> None:
    import redis

    client = redis.Redis.from_url(REDIS)
    client.ping()  # configured but unreachable is a failure, not a skip
    client.flushdb()

    opened = datetime.now(UTC) - timedelta(hours=2)
    for n in range(TICKETS):
        # Emergencies run on the NOC's 24x7 calendar: every first response fell due an hour after
        # `opened`, the same moment for all 500; the resolution target is still a day away.
        act.open_ticket(
            actor=desk.north_user,
            now=opened,
            subject=f"EMERGENCY outage report {n}",
            channel="api",
            form=FORM,
        )
    assert Ticket.objects.filter(next_deadline__lte=datetime.now(UTC)).count() == TICKETS

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tierdesk.config.settings",
        "TIERDESK_DATABASE_URL": _database_url(),
        "TIERDESK_DATA_DIR": str(tmp_path),
        "TIERDESK_BROKER_URL": REDIS or "",
        "TIERDESK_SCHEDULER_INTERVAL": "1",
        "TIERDESK_SWEEP_LIMIT": "20",
        "TIERDESK_CELERY_VISIBILITY_TIMEOUT": "5",
        # The killed worker may hold claimed notifications: let another take them over soon.
        "TIERDESK_OUTBOX_LEASE_SECONDS": "5",
        "TIERDESK_PROFILE": "demo",
    }
    env.pop("TIERDESK_TEST_DATABASE_URL", None)
    procs = [
        _start(env, "scheduler", log=tmp_path / "beat.log"),
        _start(env, "worker", "--concurrency=1", "--pool=solo", log=tmp_path / "worker1.log"),
        _start(env, "worker", "--concurrency=1", "--pool=solo", log=tmp_path / "worker2.log"),
    ]

    def breaches() -> int:
        return Event.objects.filter(kind="sla_breach").count()

    try:
        _until(lambda: breaches() >= 40, 90, "the first sweeps")
        procs[1].send_signal(signal.SIGKILL)  # in the middle of the work: 20 tickets per sweep
        procs[1].wait()
        killed_at = breaches()
        procs.append(
            _start(env, "worker", "--concurrency=1", "--pool=solo", log=tmp_path / "worker3.log")
        )
        _until(
            lambda: (
                breaches() >= TICKETS
                and not Ticket.objects.filter(
                    next_deadline__lte=datetime.now(UTC) - timedelta(hours=1)
                ).exists()
            ),
            180,
            "all breaches",
        )
        _until(
            lambda: (
                Notification.objects.filter(kind="sla_breach", status="sent").count() >= 2 * TICKETS
            ),
            120,
            "the breach notifications to be sent",
        )
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    assert killed_at < TICKETS, (
        "the worker was killed after the work was done; the test proved nothing"
    )
    assert breaches() == TICKETS
    assert (
        AutomaticOutcome.objects.filter(key__startswith="sla:first_response:0:1").count() == TICKETS
    )
    per_ticket = Event.objects.filter(kind="sla_breach").values("ticket_id").annotate(n=Count("id"))
    assert {row["n"] for row in per_ticket} == {1} and len(per_ticket) == TICKETS
    # Each breach is announced once to the NOC's agent and once to the desk manager the profile names.
    notices = Notification.objects.filter(kind="sla_breach")
    for recipient in ("nocagent@example.com", "desk.manager@democloud.example.com"):
        assert notices.filter(recipient=recipient).count() == TICKETS
    assert notices.count() == notices.filter(status="sent").count() == 2 * TICKETS
    assert verify().broken is None
