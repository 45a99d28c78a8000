"""The listener's child processes, supervised: a child that exits is reaped, logged and started
again after a backoff (1 s, doubling to 30 s while it keeps dying young); the children stop
with their parent, even one killed with SIGKILL, because each watches a pipe only the parent
holds open and stops when it reads end-of-file."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0
STEADY_AFTER = 60.0  # a child that ran this long died of something new: restart it soon


def describe(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"status {returncode}"


@dataclass
class Child:
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    backoff: float = FIRST_BACKOFF
    restarts: int = 0


class Supervisor:
    """Keeps `count` processes of `command` running. `command` receives the read end of the
    parent's pipe (a file descriptor number) to pass to the child."""

    def __init__(
        self,
        command: Callable[[int], Sequence[str]],
        count: int,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        name: str = "mail listener",
    ) -> None:
        self.command = command
        self.monotonic = monotonic
        self.name = name
        self.children = [Child() for _ in range(max(count, 0))]
        # The write end stays in this process only (not inheritable): when it dies, the
        # children's reads return end-of-file.
        self.watch_fd, self._alive_fd = os.pipe()

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(  # noqa: S603 - our own command
            list(self.command(self.watch_fd)), pass_fds=(self.watch_fd,)
        )
        child.started_at = self.monotonic()
        log.info("%s process %s started", self.name, child.process.pid)

    def check(self) -> None:
        """Reap children that exited (no zombies), log it, and start the ones whose backoff is
        over. Called from the parent's loop."""
        now = self.monotonic()
        for child in self.children:
            if child.process is not None:
                code = child.process.poll()
                if code is None:
                    continue
                ran = now - child.started_at
                if ran >= STEADY_AFTER:
                    child.backoff = FIRST_BACKOFF
                child.restart_at = now + child.backoff
                log.error(
                    "%s process %s exited with %s after %.1f s; starting another in %.0f s",
                    self.name,
                    child.process.pid,
                    describe(code),
                    ran,
                    child.backoff,
                )
                child.backoff = min(child.backoff * 2, MAX_BACKOFF)
                child.process = None
            if now >= child.restart_at:
                child.restarts += 1
                self._spawn(child)

    def stop(self, timeout: float = 30.0) -> None:
        running = [c.process for c in self.children if c.process is not None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log.error("%s process %s did not stop; killing it", self.name, process.pid)
                process.kill()
                process.wait()
        os.close(self._alive_fd)
        os.close(self.watch_fd)


def watch_parent(fd: int, stop: threading.Event) -> threading.Thread:
    """In a child: set `stop` when the parent is gone (its end of the pipe closed)."""

    def watch() -> None:
        try:
            while os.read(fd, 1):
                pass
        except OSError:
            pass
        if not stop.is_set():
            log.error("the parent process is gone; stopping")
            stop.set()

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread
