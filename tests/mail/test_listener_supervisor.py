"""The listener's supervisor: a child that exits is reaped (no zombie), logged with how it
ended, and started again after a backoff that doubles while it keeps dying young. The time the
backoff counts is injected; the children are real processes."""

from __future__ import annotations

import logging
import sys

import pytest

from tierdesk.mail.sources import supervisor as sup
from tierdesk.mail.sources.supervisor import Supervisor


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def test_a_child_that_dies_at_start_is_reaped_logged_and_restarted_with_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Monotonic()
    seen: list[int] = []

    def command(fd: int) -> list[str]:
        seen.append(fd)
        return [sys.executable, "-c", "raise SystemExit(3)"]

    supervisor = Supervisor(command, 1, monotonic=clock)
    caplog.set_level(logging.INFO, logger=sup.__name__)
    try:
        supervisor.start()
        child = supervisor.children[0]
        assert child.process is not None
        first = child.process
        first.wait(timeout=30)  # the real child exits on its own
        supervisor.check()
        assert _state(first.pid) is None  # reaped: no zombie left behind
        assert child.process is None
        assert "exited with status 3 after 0.0 s; starting another in 1 s" in caplog.text

        clock.now += 0.5
        supervisor.check()
        assert child.process is None  # still backing off
        clock.now += 0.5
        supervisor.check()
        assert child.process is not None and child.process.pid != first.pid
        child.process.wait(timeout=30)
        supervisor.check()
        assert "starting another in 2 s" in caplog.text  # dying young again: a longer wait
        clock.now += 2
        supervisor.check()
        assert child.restarts == 2
        assert seen == [supervisor.watch_fd] * 3
    finally:
        supervisor.stop()


def test_a_child_that_ran_steadily_is_restarted_soon_and_a_signal_is_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Monotonic()
    supervisor = Supervisor(
        lambda fd: [sys.executable, "-c", "import time; time.sleep(60)"], 1, monotonic=clock
    )
    caplog.set_level(logging.INFO, logger=sup.__name__)
    try:
        supervisor.start()
        child = supervisor.children[0]
        child.backoff = 16.0
        assert child.process is not None
        child.process.kill()
        child.process.wait(timeout=30)
        clock.now += sup.STEADY_AFTER
        supervisor.check()
        assert "exited with signal SIGKILL after 60.0 s; starting another in 1 s" in caplog.text
    finally:
        supervisor.stop()
    assert all(c.process is None or c.process.poll() is not None for c in supervisor.children)
