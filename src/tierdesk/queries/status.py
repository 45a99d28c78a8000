"""What the status page shows: services, current and recent incidents, upcoming maintenance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from tierdesk.domain.profiles import Profile
from tierdesk.persistence.models import Incident, Maintenance, Service

RECENT = timedelta(days=7)
UPCOMING = timedelta(days=30)


@dataclass(frozen=True)
class StatusPage:
    services: list[Service]
    incidents: list[Incident]  # open ones first, then those resolved in the last week
    maintenance: list[Maintenance]  # running or starting within 30 days

    @property
    def all_operational(self) -> bool:
        return all(s.state == "operational" for s in self.services) and not any(
            i.resolved_at is None for i in self.incidents
        )


def status_page(now: datetime) -> StatusPage:
    incidents = (
        Incident.objects.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=now - RECENT))
        .prefetch_related("services", "updates")
        .order_by("-resolved_at", "-started_at")
    )
    open_first = sorted(
        incidents, key=lambda i: (i.resolved_at is not None, -i.started_at.timestamp())
    )
    windows = (
        Maintenance.objects.filter(
            cancelled_at__isnull=True, ends_at__gte=now, starts_at__lte=now + UPCOMING
        )
        .prefetch_related("services")
        .order_by("starts_at")
    )
    return StatusPage(list(Service.objects.all()), open_first, list(windows))


def current_incidents() -> list[Incident]:
    """Incidents not resolved yet, newest first (a ticket may be linked to one of them)."""
    return list(Incident.objects.filter(resolved_at__isnull=True).order_by("-started_at"))


def notices_for(
    profile: Profile, severity: str, now: datetime
) -> tuple[list[Incident], list[Maintenance]]:
    """Current incidents and maintenance to show a partner opening a ticket of `severity`
    (LuxCloud 2.4.1: for "normal" and "high", check the status page first)."""
    rules = profile.status_page
    if rules is None or (severity and severity not in rules.notice_severities):
        return [], []
    incidents = list(
        Incident.objects.filter(resolved_at__isnull=True)
        .prefetch_related("services")
        .order_by("-started_at")
    )
    windows = list(
        Maintenance.objects.filter(
            cancelled_at__isnull=True, ends_at__gte=now, starts_at__lte=now + timedelta(days=2)
        )
        .prefetch_related("services")
        .order_by("starts_at")
    )
    return incidents, windows
