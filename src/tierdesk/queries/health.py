"""The desk's health as an operator reads it: each component's processes with their heartbeat
age and what they last did, whether the sweep and the outbox run, whether this web process can
reach what it needs, and the figures the metrics endpoint exports."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min

from tierdesk.persistence.models import Heartbeat, InboundMessage, Notification, Ticket

log = logging.getLogger(__name__)
JOBS = ("sweep", "outbox")
WEB, SCHEDULER, WORKER, MAIL = Heartbeat.WEB, Heartbeat.SCHEDULER, Heartbeat.WORKER, Heartbeat.MAIL
# What each component does, for the printed status.
ROLES = {
    WEB: "serves the pages and the API",
    SCHEDULER: "says when the sweep and the outbox run",
    WORKER: "runs the sweep and the outbox (Celery)",
    MAIL: "receives mail (SMTP/LMTP listener)",
}


@dataclass(frozen=True)
class Instance:
    component: str
    instance: str
    started_at: datetime
    seen_at: datetime
    age: float  # seconds since its last heartbeat
    stale: bool
    did: dict[str, Any]


@dataclass(frozen=True)
class Component:
    name: str
    expected: bool
    instances: list[Instance]

    @property
    def up(self) -> bool:
        return any(not i.stale for i in self.instances)


@dataclass(frozen=True)
class Health:
    now: datetime
    stale_after: int
    components: list[Component]
    last_run: dict[str, datetime | None]  # per job: the latest run any process recorded
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "now": self.now.isoformat(),
            "problems": self.problems,
            "jobs": {
                job: {
                    "last_run_at": at.isoformat() if at else None,
                    "age_seconds": round((self.now - at).total_seconds(), 1) if at else None,
                }
                for job, at in self.last_run.items()
            },
            "components": [
                {
                    "component": c.name,
                    "expected": c.expected,
                    "up": c.up,
                    "instances": [
                        {
                            "instance": i.instance,
                            "started_at": i.started_at.isoformat(),
                            "seen_at": i.seen_at.isoformat(),
                            "age_seconds": round(i.age, 1),
                            "stale": i.stale,
                            "did": i.did,
                        }
                        for i in c.instances
                    ],
                }
                for c in self.components
            ],
        }


def _instant(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def status(now: datetime) -> Health:
    """Every component with its processes; a problem for each expected component with no fresh
    heartbeat and for a sweep or outbox run older than `TIERDESK_HEARTBEAT_STALE_SECONDS`."""
    stale_after = settings.TIERDESK["HEARTBEAT_STALE_SECONDS"]
    forget = settings.TIERDESK["HEARTBEAT_FORGET_HOURS"] * 3600
    rows = Heartbeat.objects.order_by("component", "instance")
    instances: dict[str, list[Instance]] = {}
    last_run: dict[str, datetime | None] = dict.fromkeys(JOBS)
    for row in rows:
        age = (now - row.seen_at).total_seconds()
        if age > forget:
            continue
        instances.setdefault(row.component, []).append(
            Instance(
                row.component,
                row.instance,
                row.started_at,
                row.seen_at,
                age,
                age > stale_after,
                row.did,
            )
        )
        for job in JOBS:
            at = _instant((row.did.get(job) or {}).get("at"))
            latest = last_run[job]
            if at is not None and (latest is None or at > latest):
                last_run[job] = at
    expected = {WEB, SCHEDULER} | ({WORKER} if settings.TIERDESK["BROKER_URL"] else set())
    components = [
        Component(name, name in expected, instances.get(name, []))
        for name in (WEB, SCHEDULER, WORKER, MAIL)
        if name in expected or name in instances
    ]
    problems = []
    for c in components:
        if not c.instances:
            problems.append(f"{c.name}: no process has reported")
        elif not c.up:
            newest = min(i.age for i in c.instances)
            problems.append(f"{c.name}: no heartbeat for {newest:.0f} s")
    for job, at in last_run.items():
        if at is None:
            problems.append(f"{job}: has not run")
        elif (now - at).total_seconds() > stale_after:
            problems.append(f"{job}: last ran {(now - at).total_seconds():.0f} s ago")
    return Health(now, stale_after, components, last_run, problems)


def readiness() -> dict[str, str]:
    """What this web process needs to serve: the database, and the broker when one is set.
    Each check answers "ok" or "unavailable (the error's kind)"; the details go to the log, not
    to whoever asks."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:
        log.warning("readiness: the database does not answer: %s", exc)
        checks["database"] = f"unavailable ({type(exc).__name__})"
    broker = settings.TIERDESK["BROKER_URL"]
    if broker:
        try:
            import redis

            client = redis.Redis.from_url(broker, socket_connect_timeout=2, socket_timeout=2)
            try:
                client.ping()
            finally:
                client.close()
            checks["broker"] = "ok"
        except Exception as exc:
            log.warning("readiness: the broker does not answer: %s", exc)
            checks["broker"] = f"unavailable ({type(exc).__name__})"
    return checks


@dataclass(frozen=True)
class Gauges:
    outbox: dict[str, int]  # pending, sending, failed
    outbox_oldest_age: float  # seconds since the oldest unsent notification was written
    inbound_pending: int
    inbound_oldest_age: float
    overdue_tickets: int  # tickets whose next deadline has passed and is not yet recorded
    oldest_overdue_age: float  # how long the oldest of those deadlines has been passed
    job_age: dict[str, float | None]  # seconds since each job last ran (sweep lag)
    heartbeats: list[Instance]


def _age(now: datetime, at: datetime | None) -> float:
    return max((now - at).total_seconds(), 0.0) if at is not None else 0.0


def gauges(now: datetime) -> Gauges:
    """The desk's own figures for the metrics endpoint, read with indexed queries."""
    unsent = (Notification.PENDING, Notification.SENDING, Notification.FAILED)
    outbox = dict.fromkeys(unsent, 0)
    for state, n in (
        Notification.objects.filter(status__in=unsent)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        outbox[state] = n
    oldest_unsent = Notification.objects.filter(
        status__in=(Notification.PENDING, Notification.SENDING)
    ).aggregate(at=Min("created_at"))["at"]
    inbound = InboundMessage.objects.filter(outcome=InboundMessage.PENDING).aggregate(
        n=Count("id"), at=Min("received_at")
    )
    overdue = Ticket.objects.filter(next_deadline__lt=now).aggregate(
        n=Count("id"), at=Min("next_deadline")
    )
    health = status(now)
    return Gauges(
        outbox=outbox,
        outbox_oldest_age=_age(now, oldest_unsent),
        inbound_pending=inbound["n"],
        inbound_oldest_age=_age(now, inbound["at"]),
        overdue_tickets=overdue["n"],
        oldest_overdue_age=_age(now, overdue["at"]),
        job_age={
            job: (now - at).total_seconds() if at else None for job, at in health.last_run.items()
        },
        heartbeats=[i for c in health.components for i in c.instances],
    )
