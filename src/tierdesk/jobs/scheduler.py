"""The in-process scheduler: runs each periodic job when its interval has passed.

The database holds what is due; the scheduler only says "look now". At scale Celery beat takes
this role and calls the same job functions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tierdesk.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[datetime], object]


@dataclass
class Scheduler:
    jobs: Sequence[Job]
    clock: Clock
    last_run: dict[str, datetime] = field(default_factory=dict)

    def due(self, now: datetime) -> list[Job]:
        return [
            job
            for job in self.jobs
            if job.name not in self.last_run or now - self.last_run[job.name] >= job.every
        ]

    def tick(self) -> list[str]:
        """Run every job that is due now; a failing job is logged and retried next interval."""
        now = self.clock.now()
        ran = []
        for job in self.due(now):
            self.last_run[job.name] = now
            try:
                job.run(now)
                ran.append(job.name)
            except Exception:
                log.exception("job %s failed; it will run again in %s", job.name, job.every)
        return ran

    def run_forever(
        self,
        stop: threading.Event,
        interval: float,
        before_tick: Callable[[], object] = lambda: None,
    ) -> None:
        log.info("scheduler running %s every %ss", ", ".join(j.name for j in self.jobs), interval)
        while not stop.is_set():
            before_tick()
            if stop.is_set():  # before_tick may stop the scheduler (it lost its lock)
                break
            self.tick()
            stop.wait(interval)
