"""Shared by the tests that start real processes (faults, operations): a free local port, and
waiting for another process with a deadline (waiting is for processes, never for a clock)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def until(
    condition: Callable[[], object],
    timeout: float,
    what: str,
    step: float = 0.05,
    log: Path | None = None,
) -> None:
    """Poll `condition` until it holds; past `timeout` seconds fail naming `what`, with the tail
    of `log` when one is given."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{tail}".rstrip())
        time.sleep(step)


def stop(processes: list[subprocess.Popen[bytes]], timeout: float = 10) -> None:
    """Ask each process to end, then kill what has not ended within `timeout` seconds."""
    for p in processes:
        if p.poll() is None:
            p.terminate()
    for p in processes:
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
