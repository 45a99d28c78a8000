"""Health for every component: heartbeats, `tierdesk status`, the liveness and readiness probes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client

from tierdesk import clock
from tierdesk.actions.heartbeats import MAIL, SCHEDULER, WEB, WORKER, Pulse, beat, forget
from tierdesk.cli.main import main
from tierdesk.config.schedule import run_outbox, run_sweep
from tierdesk.persistence.models import Heartbeat
from tierdesk.queries.health import status


def _all_up(now) -> None:  # type: ignore[no-untyped-def]
    Pulse(WEB, "web-1:10").write(now)
    scheduler = Pulse(SCHEDULER, "sched-1:20")
    scheduler.record("sweep", now, tickets=0, events=0)
    scheduler.record("outbox", now, sent=0, failed=0)


@pytest.mark.django_db
def test_a_desk_whose_processes_beat_is_healthy_and_one_gone_quiet_is_named(
    fixed_clock, capsys
) -> None:  # type: ignore[no-untyped-def]
    _all_up(clock.now())
    health = status(clock.now())
    assert health.ok, health.problems
    assert [c.name for c in health.components] == [WEB, SCHEDULER]  # no broker: no workers
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "scheduler (says when the sweep and the outbox run): up" in out
    assert "sweep 0 s ago (events 0, tickets 0)" in out

    # The web goes on beating, the scheduler stops: stale after TIERDESK_HEARTBEAT_STALE_SECONDS.
    fixed_clock.advance(timedelta(seconds=61))
    Pulse(WEB, "web-1:10").write(clock.now())
    health = status(clock.now())
    assert not health.ok
    assert health.problems == [
        "scheduler: no heartbeat for 61 s",
        "sweep: last ran 61 s ago",
        "outbox: last ran 61 s ago",
    ]
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "STALE sched-1:20" in out and "problems (stale after 60 s):" in out
    assert main(["status", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["jobs"]["sweep"]["age_seconds"] == 61


@pytest.mark.django_db
def test_a_fresh_desk_with_nothing_running_says_so(fixed_clock) -> None:  # type: ignore[no-untyped-def]
    health = status(clock.now())
    assert health.problems == [
        "web: no process has reported",
        "scheduler: no process has reported",
        "sweep: has not run",
        "outbox: has not run",
    ]


@pytest.mark.django_db
def test_with_a_broker_workers_are_expected_and_their_runs_count(fixed_clock, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIERDESK = {**settings.TIERDESK, "BROKER_URL": "redis://127.0.0.1:6379/5"}
    now = clock.now()
    Pulse(WEB, "web-1:10").write(now)
    Pulse(SCHEDULER, "beat-1:20").write(now)
    assert "worker: no process has reported" in status(now).problems
    # Two pool children of one worker record their jobs into the worker's one row.
    Pulse(WORKER, "celery@w1").record("sweep", now, tickets=2, events=3)
    Pulse(WORKER, "celery@w1").record("outbox", now, sent=1, failed=0)
    health = status(now)
    assert health.ok, health.problems
    (worker,) = [c for c in health.components if c.name == WORKER]
    assert worker.instances[0].did["sweep"]["events"] == 3
    assert worker.instances[0].did["outbox"]["sent"] == 1


@pytest.mark.django_db
def test_the_in_process_jobs_record_what_they_did(fixed_clock, desk) -> None:  # type: ignore[no-untyped-def]
    desk.open()
    fixed_clock.advance(timedelta(days=3))  # the response target has passed
    events = run_sweep(clock.now())
    run_outbox(clock.now())
    assert events > 0
    (row,) = Heartbeat.objects.filter(component=SCHEDULER)
    assert row.did["sweep"]["events"] == events and row.did["sweep"]["tickets"] == 1
    assert row.did["outbox"]["sent"] > 0
    assert row.seen_at == clock.now()


@pytest.mark.django_db
def test_a_process_that_stops_removes_its_heartbeat_and_old_ones_are_forgotten(fixed_clock) -> None:  # type: ignore[no-untyped-def]
    mail = Pulse(MAIL, "mx-1:30")
    mail.count("messages", clock.now())
    mail.count("messages", clock.now())
    mail.write(clock.now())
    assert Heartbeat.objects.get(component=MAIL).did["messages"]["count"] == 2
    assert [c.name for c in status(clock.now()).components][-1] == MAIL
    mail.stop()
    assert not Heartbeat.objects.filter(component=MAIL).exists()

    beat(WEB, "old:1", now=clock.now())
    fixed_clock.advance(timedelta(hours=25))
    beat(WEB, "new:2", now=clock.now())
    assert forget(clock.now()) == 1
    assert list(Heartbeat.objects.values_list("instance", flat=True)) == ["new:2"]


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_writes_and_stops(fixed_clock) -> None:  # type: ignore[no-untyped-def]
    pulse = Pulse(WEB, "thread:1").start(interval=3600)
    try:
        for _ in range(200):
            if Heartbeat.objects.filter(instance="thread:1").exists():
                break
            pulse._stop.wait(0.05)
        assert Heartbeat.objects.filter(instance="thread:1").exists()
    finally:
        pulse.stop()
    assert not Heartbeat.objects.filter(instance="thread:1").exists()


@pytest.mark.django_db
def test_liveness_and_readiness_answer_json() -> None:
    client = Client()
    live = client.get("/health/live")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert client.post("/health/live").status_code == 405


@pytest.mark.django_db
def test_readiness_fails_when_the_configured_broker_cannot_be_reached(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIERDESK = {**settings.TIERDESK, "BROKER_URL": "redis://127.0.0.1:1/5"}
    ready = Client().get("/health/ready")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "unavailable (ConnectionError)"
