"""Heartbeats: each running process of the desk says, every few seconds, that it is alive and
what it last did (the sweep, the outbox, mail received, requests served).

A process keeps one `Pulse`: `record` notes a job's outcome and writes it at once, `start` runs a
daemon thread that writes the heartbeat every `TIERDESK_HEARTBEAT_SECONDS`. A process is the only
writer of its own row, except Celery's pool children, which share their worker's row: the write
merges what it did into the row under its lock. A heartbeat that cannot be written is logged and
never stops the work it reports on.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from tierdesk import clock
from tierdesk.persistence.models import Heartbeat

log = logging.getLogger(__name__)

WEB, SCHEDULER, WORKER, MAIL = Heartbeat.WEB, Heartbeat.SCHEDULER, Heartbeat.WORKER, Heartbeat.MAIL


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(
    component: str,
    instance: str,
    *,
    now: datetime,
    started_at: datetime | None = None,
    did: dict[str, Any] | None = None,
    fresh_start: bool = False,
) -> None:
    """Write the heartbeat of one process, merging `did` into what it recorded before;
    `fresh_start` says the process has just started (a restart under the same name)."""
    with transaction.atomic():
        row = (
            Heartbeat.objects.select_for_update()
            .filter(component=component, instance=instance)
            .first()
        )
        if row is None:
            Heartbeat.objects.create(
                component=component,
                instance=instance,
                started_at=started_at or now,
                seen_at=now,
                did=did or {},
            )
            return
        row.seen_at = now
        if fresh_start and started_at is not None:
            row.started_at = started_at
        if did:
            row.did = {**row.did, **did}
        row.save(update_fields=["seen_at", "started_at", "did"])


def forget(now: datetime) -> int:
    """Remove the heartbeats of processes gone longer than `TIERDESK_HEARTBEAT_FORGET_HOURS`."""
    hours = settings.TIERDESK["HEARTBEAT_FORGET_HOURS"]
    deleted, _ = Heartbeat.objects.filter(seen_at__lt=now - timedelta(hours=hours)).delete()
    return deleted


class Pulse:
    """The heartbeat of this process."""

    def __init__(self, component: str, instance: str | None = None) -> None:
        self.component = component
        self.instance = instance or this_process()
        self.started_at = clock.now()
        self._did: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def note(self, what: str, now: datetime, **figures: Any) -> None:
        """Remember what the process did; written with the next heartbeat."""
        with self._lock:
            self._did[what] = {"at": now.isoformat(), **figures}

    def count(self, what: str, now: datetime, key: str = "count") -> None:
        """Add one to a running figure (requests served, messages received)."""
        with self._lock:
            entry = self._did.get(what) or {key: 0}
            self._did[what] = {**entry, "at": now.isoformat(), key: int(entry.get(key, 0)) + 1}

    def record(self, what: str, now: datetime, **figures: Any) -> None:
        """Note a job's outcome and write the heartbeat now."""
        self.note(what, now, **figures)
        self.write(now)

    def write(self, now: datetime | None = None, *, fresh_start: bool = False) -> None:
        with self._lock:
            did = dict(self._did)
        try:
            beat(
                self.component,
                self.instance,
                now=now or clock.now(),
                started_at=self.started_at,
                did=did,
                fresh_start=fresh_start,
            )
        except DatabaseError:
            log.warning("heartbeat of %s %s not written", self.component, self.instance)

    def start(self, interval: float | None = None) -> Pulse:
        """Write the heartbeat now and then every `interval` seconds from a daemon thread."""
        every = interval or settings.TIERDESK["HEARTBEAT_SECONDS"]

        def run() -> None:
            first = True
            try:
                while True:
                    self.write(fresh_start=first)
                    first = False
                    connection.close()  # this thread's own connection; a new one next time
                    if self._stop.wait(every):
                        return
            except Exception:
                log.exception("heartbeat thread of %s stopped", self.component)

        self._thread = threading.Thread(target=run, name=f"heartbeat-{self.component}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop beating and remove this process's heartbeat: it stopped on purpose."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            Heartbeat.objects.filter(component=self.component, instance=self.instance).delete()
        except DatabaseError:
            log.warning("heartbeat of %s %s not removed", self.component, self.instance)


_pulses: dict[str, Pulse] = {}


def pulse(component: str, instance: str | None = None) -> Pulse:
    """This process's pulse for `component` (one per component and name)."""
    key = f"{component}/{instance or ''}"
    if key not in _pulses:
        _pulses[key] = Pulse(component, instance)
    return _pulses[key]
