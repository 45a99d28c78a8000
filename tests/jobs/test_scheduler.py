"""The in-process scheduler runs each job once per interval, on an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tierdesk.clock import FixedClock
from tierdesk.jobs.scheduler import Job, Scheduler


def test_jobs_run_once_per_interval() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    runs: list[tuple[str, datetime]] = []
    scheduler = Scheduler(
        [
            Job("fast", timedelta(seconds=10), lambda now: runs.append(("fast", now))),
            Job("slow", timedelta(hours=1), lambda now: runs.append(("slow", now))),
        ],
        clock,
    )
    assert scheduler.tick() == ["fast", "slow"]
    assert scheduler.tick() == []
    clock.advance(timedelta(seconds=10))
    assert scheduler.tick() == ["fast"]
    clock.advance(timedelta(hours=1))
    assert scheduler.tick() == ["fast", "slow"]
    assert [name for name, _ in runs] == ["fast", "slow", "fast", "fast", "slow"]


def test_a_failing_job_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))

    def broken(now: datetime) -> None:
        raise RuntimeError("boom")

    scheduler = Scheduler(
        [
            Job("broken", timedelta(seconds=5), broken),
            Job("fine", timedelta(seconds=5), lambda now: None),
        ],
        clock,
    )
    assert scheduler.tick() == ["fine"]
    assert "job broken failed" in caplog.text


@pytest.mark.django_db
def test_expired_sessions_are_cleared() -> None:
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from tierdesk.config.schedule import clear_expired_sessions

    store = SessionStore()
    store["x"] = 1
    store.create()
    now = datetime.now(UTC)
    assert clear_expired_sessions(now) == 0
    assert clear_expired_sessions(now + timedelta(weeks=3)) == 1
    assert not Session.objects.exists()
