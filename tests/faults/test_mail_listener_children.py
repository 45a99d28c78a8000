"""`mail serve --workers 2` as run in production: the first process supervises the second. A
child killed with SIGKILL is reaped, logged and replaced; the parent killed with SIGKILL takes
its child with it, so nothing is left holding the port."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import children, desk_env, free_port, state, until

pytestmark = pytest.mark.faults


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_children_are_restarted_when_they_die_and_stop_with_their_parent(
    tmp_path: Path, processes: Callable[..., Any]
) -> None:
    port = free_port()
    log = tmp_path / "listener.log"
    parent = processes(
        desk_env(tmp_path), "mail", "serve", "--port", str(port), "--workers", "2", log=log
    )
    until(lambda: len(children(parent.pid)) == 1 and _accepts(port), 60, "the listener")
    (first,) = children(parent.pid)

    os.kill(first, signal.SIGKILL)
    until(
        lambda: children(parent.pid) not in ([], [first]),
        30,
        "the killed child to be replaced",
    )
    (second,) = children(parent.pid)
    assert state(first) is None  # reaped by its parent, not left a zombie
    assert f"mail listener process {first} exited with signal SIGKILL" in log.read_text()
    assert parent.poll() is None

    try:
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        # The child reads end-of-file on its parent's pipe and stops; the port is free.
        until(lambda: state(second) in (None, "Z"), 30, "the orphaned child to stop")
        assert not _accepts(port)
        assert "the parent process is gone; stopping" in log.read_text()
    finally:
        if state(second) not in (None, "Z"):
            os.kill(second, signal.SIGKILL)
