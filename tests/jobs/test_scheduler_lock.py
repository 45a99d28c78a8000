"""One scheduler per desk, with real scheduler processes: a second refuses to start and names
the one running; a standby (--wait) takes over when the running one is killed. The in-process
runner everywhere; Celery beat too when TIERDESK_TEST_REDIS_URL names a Redis (on PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.faults.conftest import desk_env, until

REDIS = os.environ.get("TIERDESK_TEST_REDIS_URL")
MODES = [
    pytest.param({}, "scheduler running", id="in-process"),
    pytest.param(
        {"TIERDESK_BROKER_URL": REDIS or ""},
        "beat: Starting",
        id="celery-beat",
        marks=pytest.mark.skipif(
            not REDIS or connection.vendor != "postgresql",
            reason="Celery beat runs with TIERDESK_TEST_REDIS_URL, on PostgreSQL",
        ),
    ),
]


class Schedulers:
    def __init__(self, env: dict[str, str], tmp_path: Path) -> None:
        self.env, self.tmp_path = env, tmp_path
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "tierdesk", "scheduler", *args],
            env=self.env,
            cwd=self.tmp_path,
            stdout=self.log(name).open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        return process

    def log(self, name: str) -> Path:
        return self.tmp_path / f"{name}.log"

    def says(self, name: str, text: str) -> bool:
        return text in self.log(name).read_text(errors="replace")


@pytest.fixture
def schedulers(tmp_path: Path) -> Iterator[Schedulers]:
    running = Schedulers(desk_env(tmp_path, TIERDESK_SCHEDULER_INTERVAL="1"), tmp_path)
    yield running
    for process in running.started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("extra", "ready"), MODES)
def test_a_second_scheduler_refuses_to_start_and_a_standby_takes_over(
    schedulers: Schedulers, extra: dict[str, str], ready: str
) -> None:
    schedulers.env.update(extra)
    first = schedulers.start("first")
    until(lambda: schedulers.says("first", ready), 60, "the first scheduler", step=0.2)

    second = schedulers.start("second")
    assert second.wait(timeout=60) == 1
    assert schedulers.says("second", "another scheduler is running for this desk")
    assert schedulers.says("second", f"tierdesk scheduler pid {first.pid} on")
    assert not schedulers.says("second", ready)

    standby = schedulers.start("standby", "--wait")
    until(lambda: schedulers.says("standby", "waiting to take over"), 60, "the standby", step=0.2)
    first.send_signal(signal.SIGKILL)  # its lock goes with it: nothing stale to wait out
    first.wait(timeout=10)
    until(
        lambda: schedulers.says("standby", "took over") and schedulers.says("standby", ready),
        30,
        "the standby to take over",
        step=0.2,
    )
    standby.terminate()
    assert standby.wait(timeout=30) == 0

    # Stopped cleanly, it let go: the next one starts at once.
    again = schedulers.start("again")
    until(lambda: schedulers.says("again", ready), 60, "a scheduler after a clean stop", step=0.2)
    assert again.poll() is None


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_started_by_serve_stops_when_serve_is_killed(
    schedulers: Schedulers, tmp_path: Path
) -> None:
    """Else it would live on as an orphan holding the lock, and the next serve's scheduler
    would refuse to start."""
    from tests.faults.conftest import children, free_port, state

    server = subprocess.Popen(
        [sys.executable, "-m", "tierdesk", "serve", "--port", str(free_port()), "--workers", "1"],
        env=schedulers.env,
        cwd=tmp_path,
        stdout=schedulers.log("serve").open("wb"),
        stderr=subprocess.STDOUT,
    )
    schedulers.started.append(server)
    until(lambda: schedulers.says("serve", "scheduler running"), 90, "serve's scheduler", step=0.2)
    (scheduler,) = [
        pid
        for pid in children(server.pid)
        if b"scheduler" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    web = [pid for pid in children(server.pid) if pid != scheduler]
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    try:
        until(lambda: state(scheduler) in (None, "Z"), 30, "the orphaned scheduler to stop")
        assert schedulers.says("serve", "the parent process is gone; stopping")
        after = schedulers.start("after")
        until(lambda: schedulers.says("after", "scheduler running"), 60, "a new scheduler")
        assert after.poll() is None
    finally:
        for pid in [scheduler, *web]:
            if state(pid) not in (None, "Z"):
                os.kill(pid, signal.SIGKILL)
